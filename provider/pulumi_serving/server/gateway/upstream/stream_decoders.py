"""Upstream stream framings decoded into JSON events (pure and incremental: :meth:`feed` takes the body's
bytes as they arrive and returns the events completed so far).

- ``sse``: server-sent events; each ``data:`` line holds one JSON object, ``data: [DONE]`` ends the events;
- ``ndjson``: one JSON object per line;
- ``eventstream``: AWS event stream (Bedrock's InvokeModelWithResponseStream), decoded by botocore; each
  ``chunk`` event carries ``{"bytes": base64(JSON)}``.

Anything else (a line that is not JSON, an object expected but another value found, an over-long line, an
AWS exception event) raises :class:`BrokenStream`. ``ended`` is true once the framing's own end marker came
(SSE's ``[DONE]``); what follows it is ignored.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .. import fast_json

MAX_LINE_BYTES = 1024 * 1024
Event = dict[str, Any]


class BrokenStream(Exception):
    """The upstream's stream is not what its provider sends; the message says what was wrong."""


def _object(raw: bytes | str) -> Event:
    try:
        value = fast_json.loads(raw)
    except (ValueError, RecursionError):
        raise BrokenStream("an event that is not JSON") from None
    if not isinstance(value, dict):
        raise BrokenStream("an event that is not a JSON object")
    return value


class _Lines:
    ended = False

    def __init__(self) -> None:
        self._buffer = b""

    def _lines(self, data: bytes) -> list[bytes]:
        buffer = self._buffer + data
        *lines, self._buffer = buffer.split(b"\n")
        if len(self._buffer) > MAX_LINE_BYTES:
            raise BrokenStream(f"a line longer than {MAX_LINE_BYTES} bytes")
        return lines

    def close(self) -> list[Event]:
        """Events of what is left when the body ends (a last line without its newline)."""
        rest, self._buffer = self._buffer, b""
        return self.feed(rest + b"\n") if rest.strip() and not self.ended else []

    def feed(self, data: bytes) -> list[Event]:
        raise NotImplementedError


class SSE(_Lines):
    def feed(self, data: bytes) -> list[Event]:
        events = []
        for line in self._lines(data):
            if self.ended or not line.startswith(b"data:"):
                continue
            payload = line[5:].strip()
            if payload == b"[DONE]":
                self.ended = True
                continue
            events.append(_object(payload))
        return events


class NDJSON(_Lines):
    def feed(self, data: bytes) -> list[Event]:
        return [_object(line) for line in self._lines(data) if line.strip()]


class EventStream:
    ended = False

    def __init__(self) -> None:
        from botocore.eventstream import EventStreamBuffer

        self._buffer = EventStreamBuffer()

    def close(self) -> list[Event]:
        return []

    def feed(self, data: bytes) -> list[Event]:
        from botocore.eventstream import ParserError

        self._buffer.add_data(data)
        try:
            messages = list(self._buffer)
        except ParserError as err:
            raise BrokenStream(f"a broken AWS event stream ({type(err).__name__})") from None
        events = []
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
            events.append(_object(inner))
        return events


DECODERS: dict[str, type[SSE | NDJSON | EventStream]] = {"sse": SSE, "ndjson": NDJSON, "eventstream": EventStream}
