"""The front door of the data plane: the outermost ASGI callable answers the invocation paths of :mod:`.http_api`.

Every other request (and every other ASGI scope) goes to the FastAPI app untouched. A data-plane call crosses
no middleware, router or request object; it gets the same checks in the same order as through the app: the
bearer token before any body byte is read (401), the body-size and slow-client limits (413, 408) of
:class:`~..guard.Admission`, injected faults (:mod:`..faults`), then CAN_QUERY, secret-use authorization,
rate limits and usage in :func:`.http_api.query`. API errors are Databricks JSON bodies; any other exception
is logged by type and frames and answered 500. Successful data-plane calls are left out of uvicorn's access
log (:class:`QuietAccessLog`; failed ones stay in it).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ...payloads import api_paths
from ..errors import ApiError
from ..faults import FaultPlan
from ..guard import Admission, answer_unhandled, send_error
from ..json_response import EventStreamResponse
from ..principals import Principal
from . import fast_json
from .http_api import query, query_by_model
from .request import decode_body
from .service import Gateway, Result
from .state_cache import StateCache
from .upstream_answers import Access

Route = Callable[[Gateway, StateCache, Principal, Any, Access], Awaitable[Result]]
_ALIAS_PATHS = frozenset(api.path for api in api_paths.OPENAI_ALIASES.values())
_JSON = (b"content-type", b"application/json")


def _by_model(
    gateway: Gateway, cache: StateCache, principal: Principal, body: Any, access: Access
) -> Awaitable[Result]:
    return query_by_model(gateway, cache, principal, body, access)


def match(path: str) -> Route | None:
    """The route of a data-plane ``POST`` path (the table's invocation paths, as the APIRouter declares them),
    else None."""
    if path in _ALIAS_PATHS:
        return _by_model
    if (endpoint := api_paths.INVOCATIONS.match(path)) is not None:
        (name,) = endpoint
        return lambda gateway, cache, principal, body, access: query(
            gateway, cache, principal, name, body, access=access
        )
    if (served := api_paths.SERVED_MODEL_INVOCATIONS.match(path)) is not None:
        name, entity = served
        return lambda gateway, cache, principal, body, access: query(
            gateway, cache, principal, name, body, entity, access
        )
    return None


class QuietAccessLog:
    """Stands in for uvicorn's access logger: drops the line of a successful data-plane call before a log
    record is built (formatting and writing it cost a tenth of the gateway's CPU per call); failed calls and
    every other request are logged as before."""

    def __init__(self, logger: logging.Logger):
        self.logger = logger

    def __getattr__(self, name: str) -> Any:
        return getattr(self.logger, name)

    def info(self, msg: str, *args: Any) -> None:
        quiet = len(args) == 5 and args[1] == "POST" and isinstance(args[4], int) and args[4] < 400
        if not (quiet and match(str(args[2]).partition("?")[0]) is not None):
            self.logger.info(msg, *args)


async def _discard(message: dict[str, Any]) -> None:
    return None


class Front:
    """``app``: where every other request goes; ``gateway`` and ``cache``: the app's gateway and its state
    cache; ``admission`` and ``faults``: the app's token, body limits and fault plan."""

    def __init__(self, app: Any, gateway: Gateway, cache: StateCache, admission: Admission, faults: FaultPlan):
        self.app = app
        self.gateway = gateway
        self.cache = cache
        self.admission = admission
        self.faults = faults

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        route = match(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if route is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        admitted = await self.admission.admit(scope, receive, send, headers)
        if admitted is None:
            return
        principal, body = admitted
        fault = self.faults.take("POST", scope["path"])
        if fault is None:
            await self._answer(route, principal, body, scope, receive, send)
            return
        if fault.after_commit:
            await self._answer(route, principal, body, scope, receive, _discard)  # served; its answer is lost
        await send_error(send, fault)

    async def _answer(self, route: Route, principal: Any, raw: bytes, scope: Any, receive: Any, send: Any) -> None:
        started = False
        try:
            authorization = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1") or None

            def access() -> object:  # an open stream ends once its token no longer authenticates
                return self.admission.authenticate(authorization)

            result = await route(self.gateway, self.cache, principal, decode_body(raw), access)
            if result.stream is not None:
                started = True  # its first act is to send the response start
                await EventStreamResponse(result.stream, {"served-model-name": result.served_entity})(
                    scope, receive, send
                )
                return
            content = fast_json.dumps(result.body)
            entity = result.served_entity.encode("latin-1")
            headers = [_JSON, (b"content-length", str(len(content)).encode()), (b"served-model-name", entity)]
            started = True
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": content})
        except ApiError as error:
            if not started:
                await send_error(send, error)
        except Exception as exc:
            await answer_unhandled(exc, scope, send, started)
