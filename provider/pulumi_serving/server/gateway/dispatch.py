"""ASGI fast path of the data plane: serves the invocation paths of :mod:`.routes` without FastAPI's router.

Installed as the innermost user middleware, so the body-size guard, the 500 fallback and fault injection
still wrap every call; what it skips is the scan over all control-plane routes, FastAPI's request handler
(dependency solving, parameter validation) and its exception and exit-stack middleware, about a quarter of
the gateway's CPU per call. The route functions are the same ones the APIRouter declares (and OpenAPI
documents); every other request passes through to the app untouched. Successful data-plane calls are left
out of uvicorn's access log (errors stay in it).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..errors import ApiError
from ..json_response import FastJSONResponse
from .http_api import alias_handlers, invocations, served_model_invocations

Handler = Callable[[Request], Awaitable[Response]]
_PREFIX = "/serving-endpoints/"


def match(path: str) -> Handler | None:
    """The handler of a data-plane ``POST`` path (the same paths the APIRouter declares), else None."""
    if not path.startswith(_PREFIX):
        return None
    rest = path[len(_PREFIX) :]
    alias = alias_handlers.get(rest)
    if alias is not None:
        return alias
    parts = rest.split("/")
    if not all(parts):
        return None
    if len(parts) == 2 and parts[1] == "invocations":
        name = parts[0]
        return lambda request: invocations(name, request)
    if len(parts) == 4 and parts[1] == "served-models" and parts[3] == "invocations":
        name, entity = parts[0], parts[2]
        return lambda request: served_model_invocations(name, entity, request)
    return None


class QuietDataPlane(logging.Filter):
    """Drops uvicorn's access-log line of a successful data-plane call (a tenth of the gateway's CPU per
    call went to formatting and writing it); failed calls and every other request are still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not isinstance(args, tuple) or len(args) != 5:
            return True
        _, method, path, _, status = args
        return not (
            method == "POST"
            and isinstance(status, int)
            and status < 400
            and match(str(path).partition("?")[0]) is not None
        )


ACCESS_LOG_FILTER = QuietDataPlane()
logging.getLogger("uvicorn.access").addFilter(ACCESS_LOG_FILTER)


class DataPlane:
    """ASGI middleware answering data-plane calls directly; API errors become Databricks JSON bodies."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        handler = match(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if handler is None:
            await self.app(scope, receive, send)
            return
        try:
            response = await handler(Request(scope, receive))
        except ApiError as error:
            response = FastJSONResponse(error.body(), status_code=error.status, headers=error.headers())
        await response(scope, receive, send)
