"""Responses shared by the control plane and the gateway: compact JSON of already-plain content, and a plain
server-sent-events stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from fastapi.responses import JSONResponse, Response

# one encoder, reused: json.dumps with options builds a new encoder on every call
compact_json = json.JSONEncoder(separators=(",", ":")).encode


class FastJSONResponse(JSONResponse):
    """Compact JSON, returned directly so FastAPI skips re-encoding the (already plain JSON) views."""

    def render(self, content: Any) -> bytes:
        return compact_json(content).encode()


def reply(content: Any) -> FastJSONResponse:
    return FastJSONResponse(content)


class EventStreamResponse(Response):
    """``text/event-stream`` from an async iterator of bytes, each piece sent as it comes. A plain task (not
    Starlette's task group) watches for the client's disconnect; the stream then stops at its next piece and
    the iterator is closed (with what it holds upstream)."""

    def __init__(self, body: AsyncIterator[bytes], headers: Mapping[str, str]):
        self.status_code, self.background, self._body = 200, None, body
        self._header_pairs = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]
        self._header_pairs += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        gone = False

        async def watch() -> None:
            nonlocal gone
            while (await receive())["type"] != "http.disconnect":
                pass
            gone = True

        watcher = asyncio.ensure_future(watch())
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self._header_pairs})
            async for chunk in self._body:
                if gone:
                    return
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()
            await self._body.aclose()  # type: ignore[attr-defined]
