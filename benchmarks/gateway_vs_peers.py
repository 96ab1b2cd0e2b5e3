"""The gateway side by side with MLflow's AI gateway and LiteLLM's proxy, all three in front of the same canned
upstream (benchmarks/canned_upstream.py, several processes), with the same chat body (MLflow 3's gateway
cannot stream OpenAI completions: it reads their chunks as chat chunks), at concurrency
1, 16 and 64, in alternating rounds; plain calls (req/s, p50, p99) and streams (streams/s, time to first event
p50/p99), and each system's RSS. Our gateway authenticates the bearer token, checks CAN_QUERY, resolves a
``{{secrets/...}}`` key and enforces an endpoint rate limit on every call; LiteLLM checks its master key,
MLflow's gateway has no authentication.

    .venv/bin/python benchmarks/gateway_vs_peers.py [--seconds 3] [--rounds 3] [--concurrency 1 16 64]
        [--peer-workers 1] [--upstream-workers 2] [--transports lean httpx]

The peers are installed by this script into a benchmark-only venv (``~/.cache/pulumi-serving/bench-venv``:
``mlflow-skinny[gateway]`` and ``litellm[proxy]``), never into the project. Figures are medians over rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.server import free_port, start_server  # noqa: E402

BENCH_VENV = Path.home() / ".cache" / "pulumi-serving" / "bench-venv"
PEERS = ("mlflow-skinny[gateway]>=3,<4", "litellm[proxy]>=1.50,<2")
ADMIN_TOKEN = "bench-admin-token"
KEY = "sk-bench"
LITELLM_KEY = "sk-bench-litellm-master"  # LiteLLM's proxy refuses to start without a master key
BODY = {"messages": [{"role": "user", "content": "What is Databricks?"}], "max_tokens": 16}


@dataclass
class System:
    name: str
    url: str
    path: str
    headers: dict[str, str]
    body: dict
    process: subprocess.Popen | None = None
    pid: int | None = None


@dataclass
class Sample:
    latencies_ms: list[float] = field(default_factory=list)
    first_event_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    failures: set[str] = field(default_factory=set)

    def pct(self, values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def ensure_peers() -> Path:
    python = BENCH_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
    done = subprocess.run([str(python), "-c", "import mlflow.gateway, litellm.proxy.proxy_server"], capture_output=True)
    if done.returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PEERS], check=True)
    return BENCH_VENV / "bin"


def _wait(url: str, path: str = "/", seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url + path, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


def start_mlflow(bin_dir: Path, upstream: str, tmp: Path, workers: int) -> System:
    config = tmp / "mlflow-gateway.yaml"
    config.write_text(
        json.dumps(
            {
                "endpoints": [
                    {
                        "name": "chat",
                        "endpoint_type": "llm/v1/chat",
                        "model": {
                            "provider": "openai",
                            "name": "gpt-bench",
                            "config": {"openai_api_key": KEY, "openai_api_base": f"{upstream}/v1"},
                        },
                    }
                ]
            }
        )
    )
    port = free_port()
    process = subprocess.Popen(
        [
            str(bin_dir / "mlflow"),
            "gateway",
            "start",
            "--config-path",
            str(config),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    _wait(url, "/health")
    return System("mlflow", url, "/gateway/chat/invocations", {}, BODY, process, process.pid)


def start_litellm(bin_dir: Path, upstream: str, tmp: Path, workers: int) -> System:
    config = tmp / "litellm.yaml"
    config.write_text(
        json.dumps(
            {
                "model_list": [
                    {
                        "model_name": "bench",
                        "litellm_params": {"model": "openai/gpt-bench", "api_key": KEY, "api_base": f"{upstream}/v1"},
                    }
                ],
                "litellm_settings": {"drop_params": True, "telemetry": False},
            }
        )
    )
    port = free_port()
    env = {**os.environ, "LITELLM_LOG": "ERROR", "LITELLM_TELEMETRY": "False", "LITELLM_MASTER_KEY": LITELLM_KEY}
    process = subprocess.Popen(
        [
            str(bin_dir / "litellm"),
            "--config",
            str(config),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--num_workers",
            str(workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    _wait(url, "/health/liveliness")
    return System(
        "litellm",
        url,
        "/v1/chat/completions",
        {"Authorization": f"Bearer {LITELLM_KEY}"},
        {**BODY, "model": "bench"},
        process,
        process.pid,
    )


def start_ours(upstream: str, tmp: Path, transport: str) -> tuple[System, object]:
    server = start_server(
        tmp / f"data-{transport}",
        update_delay=0,
        admin_token=ADMIN_TOKEN,
        extra_args=["--upstream", f"openai={upstream}", "--upstream-transport", transport],
    )
    with server.client() as admin:
        admin.post("/api/2.0/secrets/scopes/create", json={"scope": "bench"}).raise_for_status()
        admin.post(
            "/api/2.0/secrets/put", json={"scope": "bench", "key": "openai", "string_value": KEY}
        ).raise_for_status()
        admin.post(
            "/api/2.0/serving-endpoints",
            json={
                "name": "bench",
                "ai_gateway": {"rate_limits": [{"key": "endpoint", "calls": 10**9, "renewal_period": "minute"}]},
                "config": {
                    "served_entities": [
                        {
                            "name": "gpt",
                            "external_model": {
                                "name": "gpt-bench",
                                "provider": "openai",
                                "task": "llm/v1/chat",
                                "openai_config": {"openai_api_key": "{{secrets/bench/openai}}"},
                            },
                        }
                    ]
                },
            },
        ).raise_for_status()
    return System(
        "pulumi-serving" if transport == "lean" else f"pulumi-serving-{transport}",
        server.url,
        "/serving-endpoints/bench/invocations",
        {"Authorization": f"Bearer {ADMIN_TOKEN}"},
        BODY,
        None,
        server.pid,
    ), server


def _payload(system: System, stream: bool) -> bytes:
    body = json.dumps({**system.body, "stream": True} if stream else system.body).encode()
    lines = [
        f"POST {system.path} HTTP/1.1",
        f"Host: {urlsplit(system.url).netloc}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in system.headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_body(reader: asyncio.StreamReader, head: bytes, started: float) -> float | None:
    """Read one response body; the time to its first SSE event (ms) when it has one."""
    headers = {
        line.split(b":", 1)[0].strip().lower(): line.split(b":", 1)[1].strip()
        for line in head.split(b"\r\n")[1:]
        if b":" in line
    }
    if b"content-length" in headers:
        data = await reader.readexactly(int(headers[b"content-length"]))
        return (time.perf_counter() - started) * 1000 if b"data:" in data else None
    first = None
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return first
        data = await reader.readexactly(size + 2)
        if first is None and b"data:" in data:
            first = (time.perf_counter() - started) * 1000


async def _worker(system: System, stream: bool, deadline: float, sample: Sample) -> None:
    parts = urlsplit(system.url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port, limit=1 << 20)
    payload = _payload(system, stream)
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(payload)
            try:
                head = await reader.readuntil(b"\r\n\r\n")
                first = await _read_body(reader, head, started)
            except (asyncio.IncompleteReadError, ConnectionError) as err:  # the server closed: count, reconnect
                sample.errors += 1
                sample.failures.add(f"{type(err).__name__}")
                writer.close()
                reader, writer = await asyncio.open_connection(parts.hostname, parts.port, limit=1 << 20)
                continue
            if head.split(b" ", 2)[1] == b"200" and (first is not None or not stream):
                sample.latencies_ms.append((time.perf_counter() - started) * 1000)
                if first is not None:
                    sample.first_event_ms.append(first)
            else:
                sample.errors += 1
    finally:
        writer.close()


async def _load(system: System, stream: bool, concurrency: int, seconds: float) -> Sample:
    await asyncio.gather(*(_worker(system, stream, time.perf_counter() + 0.5, Sample()) for _ in range(concurrency)))
    sample = Sample()
    started = time.perf_counter()
    await asyncio.gather(*(_worker(system, stream, started + seconds, sample) for _ in range(concurrency)))
    sample.seconds = time.perf_counter() - started
    return sample


def _rss_mb(pid: int) -> float:
    """VmRSS of ``pid`` and its descendants (worker processes)."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        pids += [int(c) for c in children]
    return total / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--peer-workers", type=int, default=1)
    parser.add_argument("--upstream-workers", type=int, default=2)
    parser.add_argument(
        "--transports",
        nargs="+",
        default=["lean"],
        choices=("lean", "httpx"),
        help="our gateway once per upstream transport (lean: its own pool; httpx: httpx's)",
    )
    parser.add_argument("--only", nargs="+", default=["pulumi-serving", "mlflow", "litellm"])
    args = parser.parse_args()
    bin_dir = ensure_peers() if {"mlflow", "litellm"} & set(args.only) else BENCH_VENV / "bin"
    upstream_proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "canned_upstream.py"),
            "--port",
            "0",
            "--workers",
            str(args.upstream_workers),
        ],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert upstream_proc.stdout is not None
    upstream = upstream_proc.stdout.readline().split("listening on ", 1)[1].strip()
    results: dict[tuple[str, bool, int], list[Sample]] = {}
    started_systems: list[System] = []
    ours_servers: list = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        try:
            direct = System("upstream", upstream, "/v1/chat/completions", {}, {**BODY, "model": "x"})
            if "pulumi-serving" in args.only:
                for transport in args.transports:
                    ours, server = start_ours(upstream, tmp, transport)
                    started_systems.append(ours)
                    ours_servers.append(server)
            if "mlflow" in args.only:
                started_systems.append(start_mlflow(bin_dir, upstream, tmp, args.peer_workers))
            if "litellm" in args.only:
                started_systems.append(start_litellm(bin_dir, upstream, tmp, args.peer_workers))
            load_before = os.getloadavg()
            for round_no in range(args.rounds):
                order = started_systems if round_no % 2 == 0 else list(reversed(started_systems))
                for concurrency in args.concurrency:
                    for stream in (False, True):
                        for system in [direct, *order] if round_no == 0 else order:
                            sample = asyncio.run(_load(system, stream, concurrency, args.seconds))
                            results.setdefault((system.name, stream, concurrency), []).append(sample)
            load_after = os.getloadavg()
            print(
                f"load average (1 min) before {load_before[0]:.1f}, after {load_after[0]:.1f} on {os.cpu_count()} CPUs; "
                f"{args.rounds} rounds x {args.seconds:.0f} s; peers with {args.peer_workers} worker(s); "
                f"canned upstream with {args.upstream_workers} processes"
            )
            print(
                f"{'system':>15} {'kind':>6} {'conc':>4} | {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} | "
                f"{'1st ev p50':>10} {'p99':>8} | errors"
            )
            for (name, stream, concurrency), samples in sorted(
                results.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])
            ):
                rps = statistics.median(len(s.latencies_ms) / s.seconds for s in samples)
                p50 = statistics.median(s.pct(s.latencies_ms, 0.5) for s in samples)
                p99 = statistics.median(s.pct(s.latencies_ms, 0.99) for s in samples)
                f50 = statistics.median(s.pct(s.first_event_ms, 0.5) for s in samples)
                f99 = statistics.median(s.pct(s.first_event_ms, 0.99) for s in samples)
                print(
                    f"{name:>15} {'stream' if stream else 'plain':>6} {concurrency:>4} | {rps:>7.0f} {p50:>8.2f} "
                    f"{p99:>8.2f} | {f50:>10.2f} {f99:>8.2f} | {sum(s.errors for s in samples)} "
                    f"{' '.join(sorted(set().union(*(s.failures for s in samples))))}"
                )
            for system in started_systems:
                if system.pid:
                    print(f"RSS {system.name}: {_rss_mb(system.pid):.0f} MB")
        finally:
            for system in started_systems:
                if system.process is not None:
                    os.killpg(system.process.pid, 15)
                    system.process.wait(20)
            for server in ours_servers:
                server.stop()
            os.killpg(upstream_proc.pid, 15)
            upstream_proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
