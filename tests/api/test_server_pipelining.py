"""Pipelined requests are bounded per connection: a client without a token cannot make the server parse and
queue thousands of requests (memory) before its first 401 closes the connection, and a pipelining client with
a token gets its parsed requests answered in order before the connection closes."""

from __future__ import annotations

import socket
import time

import pytest

from pulumi_serving.server.settings import PIPELINE_DEPTH, PIPELINE_DEPTH_BEFORE_AUTH
from tests.support.pipelining import REQUEST, flood
from tests.support.server import start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(tmp_path_factory.mktemp("pipelining") / "data")
    try:
        yield live
    finally:
        live.stop()


def read_until_closed(sock: socket.socket, seconds: float = 5) -> bytes:
    data, deadline = b"", time.monotonic() + seconds
    sock.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def test_60_connections_pipelining_5000_requests_without_a_token_leave_memory_flat(server):
    result = flood(server.url, server.pid, server.admin_token, connections=60, requests=5000)
    print(result)
    assert result.sent_mb > 15, "the flood was not sent"
    assert result.authenticated_ok == result.authenticated_calls, "an authenticated client was not served"
    assert result.peak_mb - result.start_mb <= 30, f"RSS grew by {result.peak_mb - result.start_mb:.1f} MB"
    assert result.settled_mb - result.start_mb <= 10, f"RSS still {result.settled_mb - result.start_mb:.1f} MB up"


def test_an_unauthenticated_pipeline_gets_one_401_and_the_connection_closes(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(REQUEST * 1000)
        answer = read_until_closed(sock)
    assert answer.count(b"HTTP/1.1 ") == 1 and answer.startswith(b"HTTP/1.1 401")


def test_an_authenticated_pipeline_is_answered_in_order_up_to_the_depth_then_closed(server):
    request = REQUEST.replace(b"\r\n\r\n", f"\r\nAuthorization: Bearer {server.admin_token}\r\n\r\n".encode())
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request)  # authenticates the connection first
        first = b""
        while b"\r\n\r\n" not in first or not first.rstrip().endswith(b"}"):
            first += sock.recv(65536)
        sock.sendall(request * 100)
        answers = read_until_closed(sock)
    assert first.startswith(b"HTTP/1.1 200")
    assert answers.count(b"HTTP/1.1 200") == PIPELINE_DEPTH, answers[:300]
    assert answers.count(b"HTTP/1.1 ") == PIPELINE_DEPTH
    assert answers.rsplit(b"HTTP/1.1 200", 1)[1].lower().count(b"connection: close") == 1


def test_a_pipeline_sent_before_authenticating_gets_the_smaller_depth(server):
    request = REQUEST.replace(b"\r\n\r\n", f"\r\nAuthorization: Bearer {server.admin_token}\r\n\r\n".encode())
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request * 100)
        answers = read_until_closed(sock)
    assert answers.count(b"HTTP/1.1 200") == PIPELINE_DEPTH_BEFORE_AUTH
    assert answers.count(b"HTTP/1.1 ") == PIPELINE_DEPTH_BEFORE_AUTH
