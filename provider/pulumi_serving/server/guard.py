"""The app's outermost ASGI guard: authenticates before reading a body (401), caps request bodies (413) and the
time a client may take to send a whole one (408), reads every body as JSON, and turns any unhandled bug into a
Databricks 500 body. Refusals sent before the body was read close the connection. :class:`Admission` (the
checks) and :func:`answer_unhandled` (the 500) are shared with the data plane's front door
(:mod:`.gateway.dispatch`), which answers invocations ahead of the app. A request that authenticates marks its
connection (:class:`Connection`, in the scope under :data:`CONNECTION_KEY`), which lets the HTTP protocol
(:mod:`.connections`) parse more pipelined requests ahead on it.

Unhandled exceptions are logged by type and stack frames only, never by message, because a message can
carry request data (e.g. a secret value inside a validation error).
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
import uuid
from typing import Any

from ..payloads import api_paths
from .errors import ApiError, InternalError, RequestTimeout, RequestTooLarge

log = logging.getLogger("pulumi_serving.server")
CONNECTION_KEY = "pulumi_serving.connection"
Message = dict[str, Any]
# Answered without a token: the SDK's host probe (also the launcher's readiness check) and the API docs.
PUBLIC_PATHS = frozenset({api_paths.WORKSPACE_CONFIG.path, "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})


class Connection:
    """What the HTTP protocol and :class:`Admission` share about one client connection: whether any of its
    requests carried a valid token."""

    __slots__ = ("authenticated",)

    def __init__(self) -> None:
        self.authenticated = False


async def send_error(send: Any, error: ApiError, *, close: bool = False) -> None:
    body = json.dumps(error.body()).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers().items()]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _as_json(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Bodies are JSON whatever the client declared (as Databricks treats ``curl -d``)."""
    return [(k, v) for k, v in headers if k.lower() != b"content-type"] + [(b"content-type", b"application/json")]


class Admission:
    """Authenticates a request from its headers, then reads its whole body within the size and time limits.
    ``authenticate(authorization header)`` returns the principal or raises an ApiError."""

    def __init__(self, max_body_bytes: int, body_timeout_s: float, authenticate: Any):
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s
        self.authenticate = authenticate

    async def admit(
        self, scope: Message, receive: Any, send: Any, headers: dict[bytes, bytes]
    ) -> tuple[Any, bytes] | None:
        """(principal, body); None once a refusal was sent (401 before any body byte is read, 413, 408; the
        connection is closed). The principal is None on :data:`PUBLIC_PATHS`."""
        principal = None
        if scope["path"] not in PUBLIC_PATHS:
            try:
                principal = self.authenticate(headers.get(b"authorization", b"").decode("latin-1") or None)
            except ApiError as error:
                await send_error(send, error, close=True)
                return None
            connection = scope.get(CONNECTION_KEY)
            if connection is not None:
                connection.authenticated = True
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await send_error(send, self._too_large(), close=True)
            return None
        chunks, size, more = [], 0, True
        try:
            async with asyncio.timeout(self.body_timeout_s):  # one deadline for the whole body, not per chunk
                while more and size <= self.max_body_bytes:
                    message = await receive()
                    if message["type"] != "http.request":
                        return None
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    chunks.append(chunk)
                    more = message.get("more_body", False)
        except TimeoutError:
            timeout = RequestTimeout(f"request body not received within {self.body_timeout_s:g} s")
            await send_error(send, timeout, close=True)
            return None
        if size > self.max_body_bytes:
            await send_error(send, self._too_large(), close=True)
            return None
        return principal, chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _too_large(self) -> RequestTooLarge:
        return RequestTooLarge(f"request body exceeds the limit of {self.max_body_bytes} bytes")


async def answer_unhandled(exc: Exception, scope: Message, send: Any, started: bool) -> None:
    """The last line of defence: log the bug by type and frames (never its message), answer a Databricks
    500 body unless the response has started."""
    incident = uuid.uuid4().hex[:12]
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error(
        "unhandled %s (incident %s) in %s %s\n%s",
        type(exc).__name__,
        incident,
        scope.get("method"),
        scope.get("path"),
        frames,
    )
    if not started:
        await send_error(send, InternalError(f"Internal error (incident {incident})."))


class Guard:
    """ASGI middleware applying :class:`Admission` to every request; the principal is stored as the request
    state's ``principal`` for the routes, the body replayed to them as JSON."""

    def __init__(self, app: Any, max_body_bytes: int, body_timeout_s: float, authenticate: Any):
        self.app = app
        self.admission = Admission(max_body_bytes, body_timeout_s, authenticate)

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        admitted = await self.admission.admit(scope, receive, send, headers)
        if admitted is None:
            return
        principal, body = admitted
        if principal is not None:
            scope = dict(scope, state={**scope.get("state", {}), "principal": principal})
        replayed, started = False, False
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
        except Exception as exc:
            await answer_unhandled(exc, scope, send, started)
