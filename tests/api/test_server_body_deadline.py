"""A request body has one deadline for all of it, not one per chunk: a body dripped a byte at a time (each byte
well within ``--client-timeout``) is answered 408 and closed once the whole body is late."""

from __future__ import annotations

import select
import time

import pytest

from .test_server_slow_clients import CLIENT_TIMEOUT_S, PATHS, connect, read_all, read_some, server  # noqa: F401 - fixture

DRIP_EVERY_S = 0.5


@PATHS
def test_a_dripped_body_is_cut_off_at_the_body_deadline(server, path):  # noqa: F811 - the fixture
    sock = connect(server.port)
    answer, closed = b"", False
    try:
        sock.sendall(
            b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
            b"Authorization: Bearer " + server.admin_token.encode() + b"\r\n\r\n"
        )
        started = time.monotonic()
        while not closed and time.monotonic() - started < CLIENT_TIMEOUT_S + 10:
            try:
                sock.send(b" ")
            except (BrokenPipeError, ConnectionResetError):
                break
            # the 408 and the server's FIN may arrive in different drips: what came is kept
            received, closed = read_some(sock, DRIP_EVERY_S)
            answer += received
        elapsed = time.monotonic() - started
    finally:
        sock.close()
    assert closed and answer.startswith(b"HTTP/1.1 408"), answer
    assert b"request body not received within 2 s" in answer
    assert elapsed < CLIENT_TIMEOUT_S + 1.5, elapsed


pytestmark = pytest.mark.timeout(60)


def test_a_client_still_sending_after_the_408_is_drained_not_reset(server):  # noqa: F811 - the fixture
    """The answer leaves with a FIN and the server keeps reading: what an uploader still sends is discarded.
    Closing with unread bytes would make the kernel answer with a reset, which can destroy the 408 in flight."""
    sock = connect(server.port)
    try:
        sock.sendall(
            b"POST /api/2.0/serving-endpoints HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
            b"Authorization: Bearer " + server.admin_token.encode() + b"\r\n\r\n{"
        )
        answer = read_all(sock, CLIENT_TIMEOUT_S + 5)  # the 408, then the server's FIN
        assert answer is not None and answer.startswith(b"HTTP/1.1 408"), answer
        for _ in range(6):  # a reset would fail the second send at the latest
            sock.send(b"x" * 1000)
            time.sleep(0.05)
        ready, _, _ = select.select([sock], [], [], 0.2)
        assert ready and sock.recv(100) == b""  # still the orderly end, no reset
    finally:
        sock.close()
