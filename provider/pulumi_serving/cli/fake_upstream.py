"""``pulumi-serving fake-upstream``: run the deterministic fake services of every external-model provider."""

from __future__ import annotations

import argparse
import json
import os
import socket


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fake-upstream",
        help="run fake services of every external-model provider on one port (for tests and demos)",
        description="Deterministic fake LLM providers. Switches can also be changed at run time with "
        "POST /_control; GET /_control/requests lists what was received (credentials as SHA-256 only).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, required=True, help="port to listen on (0 picks a free one)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay before every answer")
    parser.add_argument("--fail-rate", type=_rate, default=0.0, help="fraction of requests answered with an error")
    parser.add_argument("--fail-status", type=int, default=500, help="HTTP status of injected errors (default 500)")
    parser.add_argument("--throttle-rate", type=_rate, default=0.0, help="fraction of requests answered 429")
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds on injected 429s")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes serving the port (default 1; more for benchmarks: switches changed with "
        "POST /_control then apply to the process that answered)",
    )
    parser.set_defaults(func=run)


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket created with proto IPPROTO_TCP: asyncio only sets TCP_NODELAY on such sockets,
    and without it keep-alive answers wait ~40 ms for delayed ACKs."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from pulumi_serving.fake_upstream import Behaviour, create_fake_upstream_app
    from pulumi_serving.fake_upstream.app import SWITCHES_ENV

    behaviour = Behaviour()
    try:
        behaviour.update(
            {
                "latency_ms": args.latency_ms,
                "fail_rate": args.fail_rate,
                "fail_status": args.fail_status,
                "throttle_rate": args.throttle_rate,
                "retry_after_s": args.retry_after,
            }
        )
    except ValueError as err:
        print(f"pulumi-serving fake-upstream: error: {err}")
        return 2
    if args.workers < 1:
        print("pulumi-serving fake-upstream: error: --workers must be at least 1")
        return 2
    sock = _listen(args.host, args.port)
    host, port = sock.getsockname()[:2]
    print(f"fake-upstream listening on http://{host}:{port}", flush=True)
    if args.workers == 1:
        config = uvicorn.Config(create_fake_upstream_app(behaviour), log_level="warning", access_log=False)
        uvicorn.Server(config).run(sockets=[sock])
        return 0
    from uvicorn.supervisors import Multiprocess

    os.environ[SWITCHES_ENV] = json.dumps(behaviour.switches())
    config = uvicorn.Config(
        "pulumi_serving.fake_upstream.app:from_environment",
        factory=True,
        workers=args.workers,
        log_level="warning",
        access_log=False,
    )
    Multiprocess(config, sockets=[sock]).run()
    return 0
