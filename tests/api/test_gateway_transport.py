"""The gateway's lean keep-alive transport against the real fake-upstream subprocess."""

from __future__ import annotations

import asyncio
import json
import socket

import httpx
import pytest

from pulumi_serving.fake_upstream.process import running_fake_upstream
from pulumi_serving.server.gateway.upstream.lean_transport import LeanTransport

HEADERS = {"Authorization": "Bearer k"}


def _run(coro):
    return asyncio.run(coro)


def test_json_calls_reuse_one_connection(fake_upstream):
    async def scenario():
        transport = LeanTransport()
        async with httpx.AsyncClient(transport=transport) as client:
            bodies = []
            for _ in range(5):
                r = await client.post(
                    f"{fake_upstream.url}/v1/completions", headers=HEADERS, json={"model": "m", "prompt": "hi"}
                )
                bodies.append(r.json())
            return bodies, sum(len(idle) for idle in transport._idle.values())

    bodies, idle = _run(scenario())
    assert all(b["object"] == "text_completion" for b in bodies)
    assert idle == 1


def test_chunked_sse_stream(fake_upstream):
    async def scenario():
        async with (
            httpx.AsyncClient(transport=LeanTransport()) as client,
            client.stream(
                "POST",
                f"{fake_upstream.url}/v1/chat/completions",
                headers=HEADERS,
                json={"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]},
            ) as r,
        ):
            return [line async for line in r.aiter_lines() if line]

    lines = _run(scenario())
    assert lines[-1] == "data: [DONE]" and len(lines) > 5


def test_errors_are_httpx_exceptions(fake_upstream):
    async def scenario():
        async with httpx.AsyncClient(transport=LeanTransport(), timeout=httpx.Timeout(0.2)) as client:
            with httpx.Client(base_url=fake_upstream.url) as control:
                control.post("/_control", json={"latency_ms": 600})
                try:
                    with pytest.raises(httpx.ReadTimeout):
                        await client.post(
                            f"{fake_upstream.url}/v1/completions", headers=HEADERS, json={"model": "m", "prompt": "x"}
                        )
                finally:
                    control.post("/_control", json={"latency_ms": 0})
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            with pytest.raises(httpx.ConnectError):
                await client.post(f"http://127.0.0.1:{port}/v1/completions", json={})

    _run(scenario())


def test_stale_idle_connection_is_retried():
    async def scenario():
        transport = LeanTransport()
        body = {"model": "m", "input": "x"}
        async with httpx.AsyncClient(transport=transport) as client:
            with running_fake_upstream() as first:
                assert (await client.post(f"{first.url}/v1/embeddings", headers=HEADERS, json=body)).status_code == 200
            port = int(first.url.rsplit(":", 1)[1])
            assert sum(len(idle) for idle in transport._idle.values()) == 1  # pooled, now dead
            with running_fake_upstream(port=port) as second:
                response = await client.post(f"{second.url}/v1/embeddings", headers=HEADERS, json=body)
            return response.status_code

    assert _run(scenario()) == 200


def test_request_reads_whole_replies_on_one_connection(fake_upstream):
    async def scenario():
        transport = LeanTransport()
        try:
            replies = [
                await transport.request(
                    "POST",
                    f"{fake_upstream.url}/v1/completions",
                    {"Content-Type": "application/json", **HEADERS},
                    b'{"model":"m","prompt":"hi"}',
                    {"read": 5.0, "connect": 5.0},
                )
                for _ in range(3)
            ]
            missing = await transport.request(
                "POST", f"{fake_upstream.url}/v1/completions", HEADERS, b'{"model":"fail-404","prompt":"hi"}', {}
            )
            return replies, missing, sum(len(idle) for idle in transport._idle.values())
        finally:
            await transport.aclose()

    replies, missing, idle = _run(scenario())
    assert [r.status for r in replies] == [200, 200, 200]
    assert all(json.loads(r.body)["object"] == "text_completion" for r in replies)
    assert replies[0].header("Content-Type").startswith("application/json")
    assert missing.status == 404 and idle == 1


def test_line_break_in_a_header_is_refused_before_sending(fake_upstream):
    async def scenario():
        transport = LeanTransport()
        try:
            with pytest.raises(httpx.LocalProtocolError) as raised:
                await transport.request(
                    "POST",
                    f"{fake_upstream.url}/v1/completions",
                    {"Authorization": "Bearer k\r\nX-Forged: 1"},
                    b"{}",
                    {},
                )
            return str(raised.value)
        finally:
            await transport.aclose()

    message = _run(scenario())
    assert "line break" in message and "Forged" not in message and "Bearer" not in message
