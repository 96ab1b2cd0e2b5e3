"""Outermost ASGI guard: caps request bodies (413), reads every body as JSON, and turns any unhandled bug into a Databricks 500 body.

Unhandled exceptions are logged by type and stack frames only, never by message, because a message can
carry request data (e.g. a secret value inside a validation error).
"""

from __future__ import annotations

import json
import logging
import traceback
import uuid
from typing import Any

from .errors import ApiError, InternalError, RequestTooLarge

log = logging.getLogger("pulumi_serving.server")
Message = dict[str, Any]


async def send_error(send: Any, error: ApiError) -> None:
    body = json.dumps(error.body()).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers().items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _as_json(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Bodies are JSON whatever the client declared (as Databricks treats ``curl -d``)."""
    return [(k, v) for k, v in headers if k.lower() != b"content-type"] + [(b"content-type", b"application/json")]


class Guard:
    def __init__(self, app: Any, max_body_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = RequestTooLarge(f"request body exceeds the limit of {self.max_body_bytes} bytes")
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await send_error(send, too_large)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await send_error(send, too_large)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body, replayed, started = b"".join(chunks), False, False
        if body and not headers.get(b"content-type", b"").startswith(b"application/json"):
            scope = dict(scope, headers=_as_json(scope["headers"]))

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, replay, tracking_send)
        except Exception as exc:  # the last line of defence: answer a Databricks body, keep serving
            incident = uuid.uuid4().hex[:12]
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("unhandled %s (incident %s) in %s %s\n%s", type(exc).__name__, incident,
                      scope.get("method"), scope.get("path"), frames)
            if not started:
                await send_error(send, InternalError(f"Internal error (incident {incident})."))
