"""Upstream stream framings decoded into JSON events (pure, over an async iterator of body chunks).

- ``sse``: server-sent events; each ``data:`` line holds one JSON object, ``data: [DONE]`` ends the events;
- ``ndjson``: one JSON object per line;
- ``eventstream``: AWS event stream (Bedrock's InvokeModelWithResponseStream), decoded by botocore; each
  ``chunk`` event carries ``{"bytes": base64(JSON)}``.

Anything else (a line that is not JSON, an object expected but another value found, an over-long line, an
AWS exception event) raises :class:`BrokenStream`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator
from typing import Any

MAX_LINE_BYTES = 1024 * 1024


class BrokenStream(Exception):
    """The upstream's stream is not what its provider sends; the message says what was wrong."""


def _object(raw: bytes | str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise BrokenStream("an event that is not JSON") from None
    if not isinstance(value, dict):
        raise BrokenStream("an event that is not a JSON object")
    return value


async def _lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    buffer = b""
    async for chunk in chunks:
        buffer += chunk
        while (end := buffer.find(b"\n")) >= 0:
            line, buffer = buffer[:end], buffer[end + 1:]
            yield line.rstrip(b"\r")
        if len(buffer) > MAX_LINE_BYTES:
            raise BrokenStream(f"a line longer than {MAX_LINE_BYTES} bytes")
    if buffer.strip():
        yield buffer


async def sse(chunks: AsyncIterator[bytes]) -> AsyncIterator[dict[str, Any]]:
    async for line in _lines(chunks):
        if not line.startswith(b"data:"):
            continue
        payload = line[5:].strip()
        if payload == b"[DONE]":
            return
        yield _object(payload)


async def ndjson(chunks: AsyncIterator[bytes]) -> AsyncIterator[dict[str, Any]]:
    async for line in _lines(chunks):
        if line.strip():
            yield _object(line)


async def eventstream(chunks: AsyncIterator[bytes]) -> AsyncIterator[dict[str, Any]]:
    from botocore.eventstream import EventStreamBuffer, ParserError

    buffer = EventStreamBuffer()
    async for chunk in chunks:
        buffer.add_data(chunk)
        try:
            messages = list(buffer)
        except ParserError as err:
            raise BrokenStream(f"a broken AWS event stream ({type(err).__name__})") from None
        for message in messages:
            kind = message.headers.get(":message-type")
            if kind != "event":
                name = message.headers.get(":exception-type") or message.headers.get(":error-code") or kind
                raise BrokenStream(f"an AWS event stream {name} event")
            if message.headers.get(":event-type") != "chunk":
                continue
            try:
                inner = base64.b64decode(_object(message.payload).get("bytes") or "", validate=True)
            except (binascii.Error, ValueError):
                raise BrokenStream("an AWS event stream chunk that is not base64") from None
            yield _object(inner)


DECODERS = {"sse": sse, "ndjson": ndjson, "eventstream": eventstream}
