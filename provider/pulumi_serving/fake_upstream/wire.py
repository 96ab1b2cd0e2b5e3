"""Plumbing shared by the fake providers: credential capture, fault injection, latency, SSE/NDJSON bodies."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from .behaviour import Behaviour, RequestRecord, hash_credential

ErrorBody = Callable[[int, str], dict[str, Any]]


class WireError(Exception):
    """A request the fake provider refuses, rendered in that provider's error format."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Call:
    """One accepted request as a provider handler sees it."""

    body: dict[str, Any]
    model: str
    request: Request

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))


Handler = Callable[[Call], Awaitable[Response]]


def decode_object(raw: bytes) -> dict[str, Any]:
    """A request body as a JSON object (``{}`` when empty); WireError 400 for anything a provider would refuse:
    not JSON, nested too deeply, not an object, or text that is not valid Unicode (a lone surrogate)."""
    try:
        body = json.loads(raw or b"{}")
        if not raw.isascii() or b"\\u" in raw:  # only then can a lone surrogate hide in the text
            json.dumps(body, ensure_ascii=False).encode()
    except RecursionError:
        raise WireError(400, "request body is nested too deeply") from None
    except UnicodeEncodeError:
        raise WireError(400, "request body text is not valid Unicode (lone surrogate)") from None
    except ValueError:
        raise WireError(400, "request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise WireError(400, "request body must be a JSON object")
    return body


def bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def header(name: str) -> Callable[[Request], str | None]:
    return lambda request: request.headers.get(name) or None


def endpoint(
    behaviour: Behaviour,
    provider: str,
    operation: str,
    *,
    credential: Callable[[Request], str | None],
    error_body: ErrorBody,
    model: Callable[[Request, dict[str, Any]], str] = lambda _request, body: str(body.get("model") or ""),
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a provider handler: parse JSON, check the credential, record, delay, inject faults."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def route(request: Request) -> Response:
            key = credential(request)
            status = 200
            model_name = ""
            stream = False
            try:
                body = decode_object(await request.body())
                model_name = model(request, body)
                stream = bool(body.get("stream"))
                if behaviour.latency_ms:
                    await asyncio.sleep(behaviour.latency_ms / 1000)
                if key is None:
                    raise WireError(401, "missing or malformed API key")
                fault = behaviour.next_fault(model_name)
                if fault:
                    raise WireError(fault.status, fault.reason)
                if not model_name:
                    raise WireError(400, "model: field is required")
                return await handler(Call(body, model_name, request))
            except WireError as err:
                status = err.status
                headers = {"retry-after": str(behaviour.retry_after_s)} if err.status == 429 else None
                return JSONResponse(error_body(err.status, err.message), status_code=err.status, headers=headers)
            finally:
                behaviour.record(RequestRecord(provider, operation, model_name, hash_credential(key), stream, status))

        return route

    return wrap


def sse(events: Iterable[tuple[str | None, Any]]) -> StreamingResponse:
    """Server-sent events; each item is (event name or None, JSON-able data or the literal "[DONE]")."""

    async def body() -> AsyncIterator[bytes]:
        for name, data in events:
            payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
            yield ((f"event: {name}\n" if name else "") + f"data: {payload}\n\n").encode()

    return StreamingResponse(body(), media_type="text/event-stream")


def ndjson(items: Iterable[Any]) -> StreamingResponse:
    """Newline-delimited JSON stream (Cohere's streaming format)."""

    async def body() -> AsyncIterator[bytes]:
        for item in items:
            yield (json.dumps(item, separators=(",", ":")) + "\n").encode()

    return StreamingResponse(body(), media_type="application/stream+json")


def require(body: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = body.get(name)
    if value is None:
        raise WireError(400, f"{name}: field is required")
    if not isinstance(value, kind) or isinstance(value, bool):
        raise WireError(400, f"{name}: has the wrong type")
    return value


def optional_int(body: dict[str, Any], name: str, low: int = 1, high: int = 1_000_000) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise WireError(400, f"{name}: must be an integer between {low} and {high}")
    return value


def string_list(value: Any, name: str) -> list[str]:
    """A string or a list of strings, as a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    raise WireError(400, f"{name}: must be a string or a non-empty list of strings")
