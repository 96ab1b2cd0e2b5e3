"""The load generator of the side-by-side benchmarks: keep-alive HTTP/1.1 clients on uvloop, each sending one
precomputed request and reading its whole answer before the next, and what it measures per run (latencies,
time to the first SSE event, errors) plus a process's CPU time and RSS from /proc."""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

try:
    import uvloop
except ImportError:  # pragma: no cover - the project installs it wherever uvicorn can use it
    uvloop = None  # type: ignore[assignment]


@dataclass
class System:
    name: str
    url: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    process: Any = None  # the subprocess.Popen this script started, if any
    pid: int | None = None


@dataclass
class Sample:
    latencies_ms: list[float] = field(default_factory=list)
    first_event_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    cpu_s: float = float("nan")  # the system's own CPU time during the run (its process and children)
    failures: set[str] = field(default_factory=set)

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def pct(self, values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


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


async def _read_chunked(reader: asyncio.StreamReader, started: float) -> float | None:
    """Read a chunked body to its end from whatever each read returns (a stream of many small chunks costs
    a few reads, not two awaits per chunk); the time to the first chunk holding an SSE event (ms)."""
    buffer, pos, first = b"", 0, None
    while True:
        data = await reader.read(1 << 16)
        if not data:
            raise asyncio.IncompleteReadError(buffer, None)
        buffer += data
        while (end := buffer.find(b"\r\n", pos)) >= 0:
            size = int(buffer[pos:end].split(b";")[0], 16)
            if size == 0:
                if buffer.endswith(b"\r\n\r\n"):  # no trailers: the body ends with the empty last chunk
                    return first
                break
            if len(buffer) < end + size + 4:
                break
            if first is None and b"data:" in buffer[end + 2 : end + 2 + size]:
                first = (time.perf_counter() - started) * 1000
            pos = end + size + 4


async def _read_body(reader: asyncio.StreamReader, head: bytes, started: float) -> float | None:
    """Read one response body; the time to its first SSE event (ms) when it has one."""
    length = next(
        (line.split(b":", 1)[1] for line in head.split(b"\r\n")[1:] if line[:15].lower() == b"content-length:"),
        None,
    )
    if length is None:
        return await _read_chunked(reader, started)
    data = await reader.readexactly(int(length))
    return (time.perf_counter() - started) * 1000 if b"data:" in data else None


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
    cpu_before = cpu_seconds(system.pid) if system.pid else float("nan")
    started = time.perf_counter()
    await asyncio.gather(*(_worker(system, stream, started + seconds, sample) for _ in range(concurrency)))
    sample.seconds = time.perf_counter() - started
    if system.pid:
        sample.cpu_s = cpu_seconds(system.pid) - cpu_before
    return sample


def run_load(system: System, stream: bool, concurrency: int, seconds: float) -> Sample:
    """``concurrency`` clients, 0.5 s of warm-up, then ``seconds`` measured."""
    if uvloop is not None:
        return uvloop.run(_load(system, stream, concurrency, seconds))  # type: ignore[no-any-return]
    return asyncio.run(_load(system, stream, concurrency, seconds))


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (worker processes)."""
    found, pids = [], [pid]
    while pids:
        current = pids.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        found.append(current)
        pids += [int(c) for c in children]
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its descendants."""
    total = 0
    for current in _tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """VmRSS of ``pid`` and its descendants."""
    total = 0
    for current in _tree(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return total / 1024
