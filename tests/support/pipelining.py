"""The pipelining flood: connections that each send thousands of tiny pipelined requests without a token in one
go, while an authenticated client keeps calling. Used by tests/api/test_server_pipelining.py and
benchmarks/attacks.py (loopback only, bounded in count and time)."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REQUEST = b"GET /api/2.0/serving-endpoints HTTP/1.1\r\nHost: localhost\r\n\r\n"


def rss_mb(pid: int) -> float:
    """The resident set size of process ``pid`` in MB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


@dataclass
class FloodResult:
    start_mb: float
    peak_mb: float
    settled_mb: float  # the RSS once it came back within ``settle_margin_mb`` of the start, or after ``settle_s``
    settled_after_s: float
    sent_mb: float
    authenticated_calls: int  # calls of the authenticated client during the flood
    authenticated_ok: int  # ... answered 200


def flood(
    url: str,
    pid: int,
    admin_token: str,
    *,
    connections: int = 60,
    requests: int = 5000,
    authenticated_calls: int = 20,
    settle_s: float = 10.0,
    settle_margin_mb: float = 10.0,
) -> FloodResult:
    """Open ``connections`` connections each sending ``requests`` pipelined unauthenticated GETs, call the API
    ``authenticated_calls`` times with ``admin_token`` meanwhile, close the flood, then watch the RSS of ``pid``
    settle for at most ``settle_s``."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    payload = REQUEST * requests
    start = peak = rss_mb(pid)
    sockets, sent = [], 0
    try:
        for _ in range(connections):
            sock = socket.create_connection((host, int(port)), timeout=5)
            sock.settimeout(2)
            sockets.append(sock)
            try:
                sock.sendall(payload)
                sent += len(payload)
            except OSError:  # the server stopped reading and closed the connection: what it should do
                pass
            peak = max(peak, rss_mb(pid))
        ok = 0
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {admin_token}"}, timeout=10) as client:
            for _ in range(authenticated_calls):
                ok += client.get("/api/2.0/serving-endpoints").status_code == 200
                peak = max(peak, rss_mb(pid))
    finally:
        for sock in sockets:
            sock.close()
    closed, settled = time.monotonic(), rss_mb(pid)
    while settled - start > settle_margin_mb and time.monotonic() - closed < settle_s:
        time.sleep(0.25)
        settled = rss_mb(pid)
    peak = max(peak, settled)
    return FloodResult(start, peak, settled, time.monotonic() - closed, sent / 1e6, authenticated_calls, ok)
