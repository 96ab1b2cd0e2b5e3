"""Gateway overhead: the same completions call sent straight to the fake upstream and through the gateway
(``POST /serving-endpoints/{name}/invocations`` on the real ``serve`` subprocess), on loopback, at
concurrency 1, 16 and 64. Prints p50/p99 latency and requests per second of both paths, the added latency,
and the server's peak RSS.

    .venv/bin/python benchmarks/gateway_overhead.py [--seconds 5] [--concurrency 1 16 64]

The load generator is a minimal keep-alive HTTP/1.1 client on asyncio streams (one connection per
concurrent worker), so that as little of the two shared cores as possible goes to the measuring side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pulumi_serving.fake_upstream.process import running_fake_upstream
from tests.support.server import start_server

ADMIN_TOKEN = "bench-admin-token"
UPSTREAM_KEY = "sk-bench"
ENDPOINT = "bench-completions"
BODY = {"prompt": "What is Databricks?", "max_tokens": 16}


@dataclass
class Target:
    url: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Run:
    latencies_ms: list[float]
    seconds: float
    errors: int

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _request_bytes(target: Target) -> bytes:
    host = urlsplit(target.url).netloc
    lines = [
        f"POST {target.path} HTTP/1.1",
        f"Host: {host}",
        "Content-Type: application/json",
        f"Content-Length: {len(target.body)}",
        *(f"{k}: {v}" for k, v in target.headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + target.body


async def _worker(target: Target, deadline: float, latencies: list[float], errors: list[int]) -> None:
    parts = urlsplit(target.url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    payload = _request_bytes(target)
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(payload)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            if status == 200:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                errors.append(status)
    finally:
        writer.close()


async def _load(target: Target, concurrency: int, seconds: float) -> Run:
    latencies: list[float] = []
    errors: list[int] = []
    await asyncio.gather(*(_worker(target, time.perf_counter() + 0.5, [], []) for _ in range(concurrency)))  # warm-up
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_worker(target, deadline, latencies, errors) for _ in range(concurrency)))
    return Run(latencies, time.perf_counter() - started, len(errors))


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(target: Target, concurrency: int, seconds: float, pids: list[int]) -> tuple[Run, list[float]]:
    """The run and, per pid, CPU milliseconds spent per successful request."""
    before = [_cpu_s(pid) for pid in pids]
    run = asyncio.run(_load(target, concurrency, seconds))
    count = max(1, len(run.latencies_ms) + run.errors)
    return run, [(_cpu_s(pid) - b) * 1000 / count for pid, b in zip(pids, before, strict=False)]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per path and concurrency")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    args = parser.parse_args()
    with running_fake_upstream() as fake, tempfile.TemporaryDirectory() as tmp:
        server = start_server(
            Path(tmp) / "data", update_delay=0, admin_token=ADMIN_TOKEN, extra_args=["--upstream", f"openai={fake.url}"]
        )
        try:
            with server.client() as admin:
                admin.post("/api/2.0/secrets/scopes/create", json={"scope": "bench"}).raise_for_status()
                admin.post(
                    "/api/2.0/secrets/put", json={"scope": "bench", "key": "openai", "string_value": UPSTREAM_KEY}
                ).raise_for_status()
                admin.post(
                    "/api/2.0/serving-endpoints",
                    json={
                        "name": ENDPOINT,
                        "config": {
                            "served_entities": [
                                {
                                    "name": "gpt",
                                    "external_model": {
                                        "name": "gpt-3.5-turbo-instruct",
                                        "provider": "openai",
                                        "task": "llm/v1/completions",
                                        "openai_config": {"openai_api_key": "{{secrets/bench/openai}}"},
                                    },
                                }
                            ]
                        },
                    },
                ).raise_for_status()
                probe = admin.post(f"/serving-endpoints/{ENDPOINT}/invocations", json=BODY)
                assert probe.status_code == 200, probe.text
            direct = Target(
                fake.url,
                "/v1/completions",
                {"Authorization": f"Bearer {UPSTREAM_KEY}"},
                json.dumps({**BODY, "model": "gpt-3.5-turbo-instruct"}).encode(),
            )
            gateway = Target(
                server.url,
                f"/serving-endpoints/{ENDPOINT}/invocations",
                {"Authorization": f"Bearer {ADMIN_TOKEN}"},
                json.dumps(BODY).encode(),
            )
            print(
                f"{'conc':>4} | {'direct p50':>10} {'p99':>8} {'req/s':>6} | {'gateway p50':>11} {'p99':>8} "
                f"{'req/s':>6} | {'added p50':>9} {'added p99':>9} | {'CPU/req: gateway':>16} {'upstream':>8} "
                f"| errors"
            )
            assert server.pid is not None
            for concurrency in args.concurrency:
                d, _ = _measure(direct, concurrency, args.seconds, [fake.process.pid])
                g, (gw_cpu, up_cpu) = _measure(gateway, concurrency, args.seconds, [server.pid, fake.process.pid])
                print(
                    f"{concurrency:>4} | {d.pct(0.5):>8.2f}ms {d.pct(0.99):>6.2f}ms {d.rps:>6.0f} | "
                    f"{g.pct(0.5):>9.2f}ms {g.pct(0.99):>6.2f}ms {g.rps:>6.0f} | "
                    f"{g.pct(0.5) - d.pct(0.5):>7.2f}ms {g.pct(0.99) - d.pct(0.99):>7.2f}ms | "
                    f"{gw_cpu:>14.2f}ms {up_cpu:>6.2f}ms | {d.errors + g.errors}"
                )
            print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            print(
                f"server peak RSS: {_peak_rss_mb(server.pid):.0f} MB; fake upstream peak RSS: "
                f"{_peak_rss_mb(fake.process.pid):.0f} MB"
            )
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
