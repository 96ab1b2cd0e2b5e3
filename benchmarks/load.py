"""The load generator of the side-by-side benchmarks: keep-alive HTTP/1.1 clients on uvloop (asyncio protocols),
each sending one precomputed request and reading its whole answer before the next, and what it measures per run
(latencies, time to the first SSE event, errors) plus a process's CPU time and RSS from /proc."""

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


class _Client(asyncio.Protocol):
    """One keep-alive connection sending ``payload`` again as soon as each answer is complete, until
    ``deadline``; parsing happens as bytes arrive (no await per request), so the client costs little next to
    what it measures. ``done`` ends True at the deadline, False when the server closed the connection."""

    def __init__(self, payload: bytes, stream: bool, deadline: float, sample: Sample, done: asyncio.Future[bool]):
        self.payload, self.stream, self.deadline, self.sample, self.done = payload, stream, deadline, sample, done
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self._send()

    def _send(self) -> None:
        self.buffer, self.body_at, self.pos, self.length, self.first = b"", -1, 0, None, None
        self.started = time.perf_counter()
        self.transport.write(self.payload)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.body_at < 0:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.body_at = self.buffer[:end], end + 4
            self.ok = head.split(b" ", 2)[1] == b"200"
            lines = head.split(b"\r\n")[1:]
            found = next((line[15:] for line in lines if line[:15].lower() == b"content-length:"), None)
            self.length, self.pos = (None if found is None else int(found)), self.body_at
        if self.length is not None:
            if len(self.buffer) - self.body_at >= self.length:
                self._event(self.buffer[self.body_at : self.body_at + self.length])
                self._finish()
            return
        while (end := self.buffer.find(b"\r\n", self.pos)) >= 0:  # chunked: size line, data, CRLF; 0 ends
            size = int(self.buffer[self.pos : end].split(b";")[0], 16)
            if size == 0:
                if self.buffer[end : end + 4] == b"\r\n\r\n":
                    self._finish()
                return
            if len(self.buffer) < end + size + 4:
                return
            self._event(self.buffer[end + 2 : end + 2 + size])
            self.pos = end + size + 4

    def _event(self, data: bytes) -> None:
        if self.first is None and b"data:" in data:
            self.first = (time.perf_counter() - self.started) * 1000

    def _finish(self) -> None:
        now = time.perf_counter()
        if self.ok and (self.first is not None or not self.stream):
            self.sample.latencies_ms.append((now - self.started) * 1000)
            if self.first is not None:
                self.sample.first_event_ms.append(self.first)
        else:
            self.sample.errors += 1
        if now < self.deadline:
            self._send()
        elif not self.done.done():
            self.done.set_result(True)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():  # the server closed: count it, the worker reconnects
            self.sample.errors += 1
            self.sample.failures.add("ConnectionClosed")
            self.done.set_result(False)


async def _worker(system: System, stream: bool, deadline: float, sample: Sample) -> None:
    parts, loop, payload = urlsplit(system.url), asyncio.get_running_loop(), _payload(system, stream)
    while time.perf_counter() < deadline:
        done: asyncio.Future[bool] = loop.create_future()
        transport, _ = await loop.create_connection(
            lambda done=done: _Client(payload, stream, deadline, sample, done),  # type: ignore[misc]
            parts.hostname,
            parts.port,
        )
        try:
            if await done:
                return
        finally:
            transport.close()


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
