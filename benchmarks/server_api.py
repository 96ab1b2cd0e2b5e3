"""Local serving API control-plane throughput on loopback.

Measures requests/s and p50/p99 latency of GET /api/2.0/serving-endpoints/{name} and
POST /api/2.0/secrets/put at concurrency 1 and 32, the latency of listing 10,000 endpoints, and the
server's peak RSS (VmHWM), against the real ``pulumi-serving serve`` subprocess.

    .venv/bin/python benchmarks/server_api.py [--seconds 5] [--endpoints 10000]

Load comes from a small keep-alive HTTP/1.1 client on asyncio streams (one connection per worker), to
leave as much of the shared CPU as possible to the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.server import LiveServer, start_server

ADMIN_TOKEN = "bench-admin-token"


class Connection:
    """One keep-alive HTTP/1.1 connection; ``request`` returns (status, body)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str):
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port, limit=64 * 1024 * 1024)
        return cls(reader, writer, f"{host}:{port}")

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def load(
    server: LiveServer, concurrency: int, seconds: float, make: Callable[[int], tuple[str, str, bytes]]
) -> dict[str, float]:
    port = server.port
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(index: int) -> None:
        nonlocal errors
        conn = await Connection.open("127.0.0.1", port)
        i = index
        try:
            while time.perf_counter() < deadline:
                method, path, body = make(i)
                start = time.perf_counter()
                status, _ = await conn.request(method, path, body)
                latencies.append((time.perf_counter() - start) * 1000)
                errors += status != 200
                i += concurrency
        finally:
            conn.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
        "requests": len(latencies),
        "errors": errors,
    }


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def endpoint_body(name: str) -> bytes:
    return json.dumps(
        {
            "name": name,
            "config": {
                "served_entities": [
                    {
                        "name": "e",
                        "external_model": {
                            "name": "gpt-3.5-turbo-instruct",
                            "provider": "openai",
                            "task": "llm/v1/completions",
                            "openai_config": {"openai_api_key_plaintext": "sk-bench"},
                        },
                    }
                ]
            },
        }
    ).encode()


async def fill(server: LiveServer, count: int) -> float:
    began = time.perf_counter()
    conns = [await Connection.open("127.0.0.1", server.port) for _ in range(16)]

    async def worker(k: int) -> None:
        for i in range(k, count, len(conns)):
            status, body = await conns[k].request("POST", "/api/2.0/serving-endpoints", endpoint_body(f"ep-{i:05d}"))
            assert status == 200, body

    await asyncio.gather(*(worker(k) for k in range(len(conns))))
    for conn in conns:
        conn.close()
    return time.perf_counter() - began


async def list_latency(server: LiveServer, repeats: int) -> tuple[float, int, int]:
    conn = await Connection.open("127.0.0.1", server.port)
    times, size, count = [], 0, 0
    for _ in range(repeats):
        start = time.perf_counter()
        status, body = await conn.request("GET", "/api/2.0/serving-endpoints")
        times.append((time.perf_counter() - start) * 1000)
        assert status == 200
        size, count = len(body), len(json.loads(body)["endpoints"])
    conn.close()
    return statistics.median(times), size, count


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data", update_delay=0, admin_token=ADMIN_TOKEN)
        try:
            conn = await Connection.open("127.0.0.1", server.port)
            await conn.request("POST", "/api/2.0/serving-endpoints", endpoint_body("bench-get"))
            await conn.request("POST", "/api/2.0/secrets/scopes/create", b'{"scope": "bench"}')
            conn.close()
            get = lambda i: ("GET", "/api/2.0/serving-endpoints/bench-get", b"")  # noqa: E731

            def put(i):
                return (
                    "POST",
                    "/api/2.0/secrets/put",
                    json.dumps({"scope": "bench", "key": f"k{i % 500}", "string_value": f"v{i}"}).encode(),
                )

            print(f"{'operation':<14}{'conc':>5}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'requests':>10}{'errors':>8}")
            for label, make in (("get-endpoint", get), ("put-secret", put)):
                for concurrency in (1, 32):
                    r = await load(server, concurrency, args.seconds, make)
                    print(
                        f"{label:<14}{concurrency:>5}{r['rps']:>9.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
                        f"{r['requests']:>10.0f}{r['errors']:>8.0f}"
                    )
            filled = await fill(server, args.endpoints)
            print(f"created {args.endpoints} endpoints in {filled:.1f}s ({args.endpoints / filled:.0f} creates/s)")
            median, size, count = await list_latency(server, repeats=5)
            print(f"list {count} endpoints: median {median:.0f} ms, response {size / 1e6:.1f} MB")
            assert server.pid is not None
            print(f"server peak RSS: {peak_rss_mib(server.pid):.0f} MiB")
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each load phase")
    parser.add_argument("--endpoints", type=int, default=10_000, help="endpoints to create before listing")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
