"""``pulumi-serving serve``: run the local serving API."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..server.settings import (
    DEFAULT_CLIENT_TIMEOUT_S,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_UPDATE_DELAY_S,
    DEFAULT_UPSTREAM_TIMEOUT_S,
    DEFAULT_UPSTREAM_TRANSPORT,
    UPSTREAM_TRANSPORTS,
)

DEFAULT_DATA_DIR = Path(os.environ.get("PULUMI_SERVING_DATA_DIR", Path.home() / ".pulumi-serving"))


def _non_negative(value: str) -> float:
    number = float(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return number


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="run the local Databricks-compatible serving API")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"bind address (default {DEFAULT_HOST})")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port, 0-65535 (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help=f"state directory ({DEFAULT_DATA_DIR})")
    parser.add_argument(
        "--update-delay",
        type=_non_negative,
        default=DEFAULT_UPDATE_DELAY_S,
        metavar="SECONDS",
        help=f"seconds a config update stays IN_PROGRESS (default {DEFAULT_UPDATE_DELAY_S:g}, 0 allowed)",
    )
    parser.add_argument(
        "--admin-token-file",
        type=Path,
        default=None,
        metavar="FILE",
        help="read the admin bearer token from FILE (else $PULUMI_SERVING_ADMIN_TOKEN, else one "
        "generated into DATA_DIR/admin-token)",
    )
    parser.add_argument(
        "--admin-token",
        default=None,
        help="admin bearer token on the command line (visible to every local user in `ps`: prefer "
        "--admin-token-file or $PULUMI_SERVING_ADMIN_TOKEN)",
    )
    parser.add_argument(
        "--upstream",
        action="append",
        default=[],
        type=_upstream,
        metavar="PROVIDER=URL",
        help="redirect a provider's base URL (any provider name of the external-models API, "
        "or the token endpoints entra and google-oauth), e.g. openai=http://127.0.0.1:9100 "
        "(repeatable)",
    )
    parser.add_argument(
        "--upstream-timeout",
        type=_non_negative,
        default=DEFAULT_UPSTREAM_TIMEOUT_S,
        metavar="SECONDS",
        help="gateway timeout for upstream provider calls: the answer, and each event of a stream "
        f"(default {DEFAULT_UPSTREAM_TIMEOUT_S:g})",
    )
    parser.add_argument(
        "--upstream-transport",
        choices=UPSTREAM_TRANSPORTS,
        default=DEFAULT_UPSTREAM_TRANSPORT,
        help="gateway connection pool to upstreams: its own keep-alive pool (lean, default) or "
        "httpx's standard transport",
    )
    parser.add_argument(
        "--allow-upstream",
        action="append",
        default=[],
        type=_host,
        metavar="HOST",
        help="only these upstream hosts may be called (repeatable; default: any). An endpoint "
        "config naming another host is refused with 400, and a call to one with 403",
    )
    parser.add_argument(
        "--client-timeout",
        type=_positive,
        default=DEFAULT_CLIENT_TIMEOUT_S,
        metavar="SECONDS",
        help="time a client has to send its request headers, and then its whole body "
        f"(default {DEFAULT_CLIENT_TIMEOUT_S:g}); idle connections close sooner",
    )
    parser.add_argument(
        "--max-db-size",
        type=_positive,
        default=None,
        metavar="MB",
        help="cap the database at MB megabytes; writes past it answer 503 like a full disk",
    )
    parser.add_argument(
        "--allow-shared-data-dir",
        action="store_true",
        help="serve from a data dir that group or others may write to (refused by default; warned about)",
    )
    parser.set_defaults(func=run)


def _positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return number


def _host(value: str) -> str:
    from ..server.egress import host_problem

    if problem := host_problem(value):
        raise argparse.ArgumentTypeError(problem)
    return value.strip().lower()


def _upstream(value: str) -> str:
    from ..server.gateway.upstream.bases import parse_upstream

    try:
        parse_upstream(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def run(args: argparse.Namespace) -> int:
    from ..server.runner import StartupError, serve
    from ..server.settings import Settings

    if not 0 <= args.port <= 65535:
        print(f"pulumi-serving serve: --port must be between 0 and 65535 (got {args.port})", file=sys.stderr)
        return 2
    if args.admin_token:
        print(
            "pulumi-serving serve: warning: --admin-token is visible to every local user in `ps`; use "
            "--admin-token-file FILE or $PULUMI_SERVING_ADMIN_TOKEN",
            file=sys.stderr,
        )
    max_db_bytes = int(args.max_db_size * 1024 * 1024) if args.max_db_size else None
    try:
        serve(
            Settings(
                data_dir=args.data_dir.resolve(),
                host=args.host,
                port=args.port,
                update_delay_s=args.update_delay,
                admin_token=args.admin_token,
                admin_token_file=args.admin_token_file,
                upstreams=tuple(args.upstream),
                upstream_timeout_s=args.upstream_timeout,
                upstream_transport=args.upstream_transport,
                allowed_upstream_hosts=tuple(args.allow_upstream),
                client_timeout_s=args.client_timeout,
                max_db_bytes=max_db_bytes,
                allow_shared_data_dir=args.allow_shared_data_dir,
            )
        )
    except StartupError as exc:
        print(f"pulumi-serving serve: {exc}", file=sys.stderr)
        return 2
    return 0
