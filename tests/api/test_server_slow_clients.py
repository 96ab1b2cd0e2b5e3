"""No work for strangers: the token is checked before a body is read, and slow or idle clients are cut off,
so 300 hostile unauthenticated connections neither hold memory nor stay open (bounded in time, loopback)."""

from __future__ import annotations

import errno
import select
import socket
import time
from pathlib import Path

import pytest

from tests.support.server import start_server

CLIENT_TIMEOUT_S = 2
HOSTILE = 300
BODY_BYTES = 1024 * 1024


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setblocking(False)
    return sock


def read_some(sock: socket.socket, seconds: float) -> tuple[bytes, bool]:
    """What the server sends within ``seconds``, and whether it closed the connection (then at once)."""
    data, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], 0.1)
        if ready:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return data, True
            if not chunk:
                return data, True
            data += chunk
    return data, False


def read_all(sock: socket.socket, seconds: float) -> bytes | None:
    """What the server sends until it closes the connection; None if it is still open after ``seconds``."""
    data, closed = read_some(sock, seconds)
    return data if closed else None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(
        tmp_path_factory.mktemp("slow") / "data", extra_args=["--client-timeout", str(CLIENT_TIMEOUT_S)]
    )
    try:
        yield live
    finally:
        live.stop()


# the control plane, and the data plane answered by its front door ahead of the app's layers
PATHS = pytest.mark.parametrize("path", [b"/api/2.0/serving-endpoints", b"/serving-endpoints/ep/invocations"])


@PATHS
def test_the_token_is_checked_before_the_body_is_read(server, path):
    sock = connect(server.port)
    try:
        sock.sendall(
            b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2000000\r\n\r\n"
        )  # the 2 MB body never comes
        answer = read_all(sock, 3)
    finally:
        sock.close()
    assert answer is not None, "the server waited for the body of an unauthenticated request"
    assert answer.startswith(b"HTTP/1.1 401") and b"UNAUTHENTICATED" in answer


@PATHS
def test_an_authenticated_body_that_never_arrives_times_out(server, path):
    sock = connect(server.port)
    try:
        sock.sendall(
            b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
            b"Authorization: Bearer " + server.admin_token.encode() + b"\r\n\r\n{"
        )
        started = time.monotonic()
        answer = read_all(sock, CLIENT_TIMEOUT_S + 3)
    finally:
        sock.close()
    assert answer is not None and answer.startswith(b"HTTP/1.1 408"), answer
    assert time.monotonic() - started < CLIENT_TIMEOUT_S + 2


def test_300_slow_unauthenticated_connections_hold_no_memory_and_are_closed(server):
    pid = server.pid
    assert pid is not None
    with server.client() as admin:  # warm up, then measure
        for _ in range(20):
            assert admin.get("/api/2.0/secrets/scopes/list").status_code == 200
    baseline = rss_mb(pid)
    body_senders = [connect(server.port) for _ in range(HOSTILE // 2)]
    slowloris = [connect(server.port) for _ in range(HOSTILE - HOSTILE // 2)]
    open_socks = set(body_senders) | set(slowloris)
    chunk = b"x" * 65536
    sent = dict.fromkeys(body_senders, 0)
    peak = baseline
    try:
        for sock in body_senders:
            sock.send(
                b"POST /api/2.0/secrets/put HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % (2 * BODY_BYTES)
            )
        for sock in slowloris:
            sock.send(b"POST /api/2.0/secrets/put HTTP/1.1\r\nHost: x\r\n")
        deadline = time.monotonic() + CLIENT_TIMEOUT_S + 4
        while open_socks and time.monotonic() < deadline:
            for sock in list(open_socks):
                try:
                    if sock in sent and sent[sock] < BODY_BYTES:  # push a large body as fast as it is taken
                        sent[sock] += sock.send(chunk)
                    elif sock not in sent:  # drip one header byte at a time
                        sock.send(b"X")
                except BlockingIOError:
                    pass
                except OSError as exc:
                    if exc.errno in (errno.EPIPE, errno.ECONNRESET):
                        open_socks.discard(sock)
                        continue
                    raise
                ready, _, _ = select.select([sock], [], [], 0)
                if ready:
                    try:
                        if not sock.recv(65536):
                            open_socks.discard(sock)
                    except ConnectionResetError:
                        open_socks.discard(sock)
            peak = max(peak, rss_mb(pid))
            with server.client() as admin:  # the server keeps serving its real users meanwhile
                assert admin.get("/api/2.0/secrets/scopes/list").status_code == 200
            time.sleep(0.2)
    finally:
        for sock in body_senders + slowloris:
            sock.close()
    assert not open_socks, f"{len(open_socks)} of {HOSTILE} hostile connections still open"
    assert peak - baseline < 40, f"RSS grew from {baseline:.0f} MB to {peak:.0f} MB"
    print(f"RSS baseline {baseline:.1f} MB, peak {peak:.1f} MB under {HOSTILE} hostile connections")
