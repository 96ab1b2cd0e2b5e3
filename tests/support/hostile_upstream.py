"""A hand-written HTTP/1.1 upstream on loopback that misbehaves on purpose, chosen by the request's ``model``:
wrong-shaped JSON, garbage or truncated streams, streams that drip or stall, absurd ``Retry-After``. Keeps
connections alive and counts them (``connections``), so tests can see whether the gateway reuses them."""

from __future__ import annotations

import asyncio
import json
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from .loopback_server import serving_on_loopback

OK_STREAM = [
    b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,'
    b'"delta":{"role":"assistant","content":"hi"},"finish_reason":null}]}\n\n',
    b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,'
    b'"delta":{},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]
WRONG_SHAPES = [
    {"choices": "nope"},
    {"choices": [None]},
    {"choices": [{"message": "x"}]},
    {"choices": []},
    {"choices": [{"message": {"content": "x"}}], "usage": {"prompt_tokens": "many"}},
    [1, 2],
    "text",
    None,
]

# 200 answers whose values no gateway can pass on (the third security round: ``1e999`` overflows to infinity)
RAW_ANSWERS = [
    b'{"id":"x","object":"chat.completion","created":1e999,"model":"m",'
    b'"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}',
    b'{"id":"x","created":1,"model":"m","choices":[{"index":0,"message":{"content":"hi"},"finish_reason":"stop"}],'
    b'"usage":{"prompt_tokens":1e999,"completion_tokens":1}}',
    b'{"id":"x","created":1,"model":"m","choices":[{"index":0,"message":{"content":"\xff\xfe"}}]}',
    b'{"id":"x","created":1,"model":"m","choices":[{"index":0,"message":{"content":"\\ud800"},"finish_reason":7}]}',
    b'{"id":"x","created":1,"model":"m","choices":[{"index":0,"message":{"content":"hi"}}],'
    b'"usage":{"prompt_tokens":NaN}}',
]
RAW_STREAMS = [
    OK_STREAM[0].replace(b'"created":1', b'"created":1e999') + OK_STREAM[1] + OK_STREAM[2],
    OK_STREAM[0] + OK_STREAM[1].replace(b'"model":"m"', b'"model":"m","usage":{"prompt_tokens":1e999}') + OK_STREAM[2],
    OK_STREAM[0].replace(b'"hi"', b'"\xc3("') + OK_STREAM[1] + OK_STREAM[2],
]


@dataclass
class Hostile:
    url: str = ""
    connections: int = 0
    dropped: int = 0  # slow streams whose reader went away before their end
    tasks: set = field(default_factory=set)


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


async def _answer(state: Hostile, model: str, writer: asyncio.StreamWriter) -> bool:
    """Write the answer for ``model``; False when the connection must close afterwards."""
    if model.startswith("shape-"):
        body = json.dumps(WRONG_SHAPES[int(model[6:])]).encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )
        return True
    if model.startswith("answer-"):
        body = RAW_ANSWERS[int(model[7:])]
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
        writer.write(body)
        return True
    if model.startswith("retry-"):
        body = b'{"error":{"message":"slow down"}}'
        writer.write(
            b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: "
            + model[6:].encode()
            + b"\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )
        return True
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
    await writer.drain()
    if model == "ok-stream":
        for event in OK_STREAM:
            writer.write(_chunk(event))
        writer.write(b"0\r\n\r\n")
        return True
    if model.startswith("raw-stream-"):
        writer.write(_chunk(RAW_STREAMS[int(model[11:])]) + b"0\r\n\r\n")
        return True
    if model == "garbage-stream":
        writer.write(_chunk(b"data: this is not json\n\n") + b"0\r\n\r\n")
        return True
    if model == "truncated-stream":
        writer.write(_chunk(OK_STREAM[0]) + b"0\r\n\r\n")
        return True
    if model == "drip-stream":  # a byte every 0.3 s, never a whole event
        for _ in range(100):
            writer.write(_chunk(b" "))
            await writer.drain()
            await asyncio.sleep(0.3)
        return False
    if model == "slow-stream":  # a valid event every 0.1 s for 30 s
        try:
            for _ in range(300):
                writer.write(_chunk(OK_STREAM[0]))
                await writer.drain()
                await asyncio.sleep(0.1)
        except ConnectionError:
            state.dropped += 1
        return False
    if model == "stall-stream":  # the head, then nothing
        await asyncio.sleep(30)
        return False
    raise AssertionError(f"unknown hostile model {model}")


async def _serve(state: Hostile, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    state.connections += 1
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = json.loads(await reader.readexactly(length)) if length else {}
            if not await _answer(state, str(body.get("model") or ""), writer):
                break
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def running_hostile_upstream() -> AbstractContextManager[Hostile]:
    return serving_on_loopback(Hostile(), _serve)
