"""HTTP routes of the data plane (docs/databricks-api.md#invocations) and the usage API.

- ``POST /serving-endpoints/{name}/invocations``
- ``POST /serving-endpoints/{name}/served-models/{served_model}/invocations`` (one entity, no routing)
- ``POST /serving-endpoints/{completions|chat/completions|embeddings}``: OpenAI-compatible aliases, the
  endpoint named by the body's ``model``
- ``GET /api/2.0/serving-endpoints/{name}/usage``: usage per principal when usage tracking is enabled
  (CAN_MANAGE sees every principal, CAN_QUERY its own row), kept in the server's database
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from ...payloads import api_paths
from ..backend import Backend
from ..deps import current_principal
from ..errors import InvalidParameterValue
from ..json_response import EventStreamResponse, reply
from ..principals import Principal
from ..routes import route
from ..settings import DEFAULT_UPSTREAM_TIMEOUT_S, DEFAULT_UPSTREAM_TRANSPORT
from .rate_policy import Caller
from .request import decode_body
from .served_endpoint import view_from_doc
from .service import Gateway, GatewaySettings, Result
from .state_cache import StateCache
from .upstream.bases import upstream_bases
from .upstream_answers import Access
from .usage import Store


def settings_for(app_settings: Any) -> GatewaySettings:
    """Gateway settings from the server settings (``upstreams``: ``PROVIDER=URL`` strings)."""
    settings = GatewaySettings(
        bases=upstream_bases(getattr(app_settings, "upstreams", None) or ()),
        transport=getattr(app_settings, "upstream_transport", None) or DEFAULT_UPSTREAM_TRANSPORT,
        timeout_s=float(getattr(app_settings, "upstream_timeout_s", None) or DEFAULT_UPSTREAM_TIMEOUT_S),
    )
    return settings


def install(app: FastAPI, usage_store: Store | None = None) -> Gateway:
    """Build the gateway of ``app`` (its settings from ``app.state.settings``) and the cache of what the data
    plane reads from ``app.state.backend``; both are process-global."""
    gateway = app.state.gateway = Gateway(settings_for(getattr(app.state, "settings", None)), usage_store=usage_store)
    app.state.gateway_state = StateCache(app.state.backend, gateway.settings.bases)
    return gateway


def gateway_of(app: Any) -> Gateway:
    return app.state.gateway  # type: ignore[no-any-return]


def state_cache_of(app: Any) -> StateCache:
    return app.state.gateway_state  # type: ignore[no-any-return]


router = APIRouter(tags=["invocations"])


def _documented_body(*, model: bool = False) -> dict[str, Any]:
    """OpenAPI request body of a query (the routes read the raw body themselves, so FastAPI cannot infer it)."""
    strings = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]}
    message = {
        "type": "object",
        "required": ["role", "content"],
        "properties": {
            "role": {"type": "string", "enum": ["system", "user", "assistant"]},
            "content": {"type": "string"},
        },
    }
    properties: dict[str, Any] = {
        "prompt": strings,
        "input": strings,
        "stop": strings,
        "messages": {"type": "array", "items": message, "minItems": 1},
        "max_tokens": {"type": "integer", "minimum": 1},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
        "n": {"type": "integer", "minimum": 1, "maximum": 5},
        "stream": {"type": "boolean"},
        "extra_params": {"type": "object"},
        "usage_context": {"type": "object"},
    }
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if model:
        properties["model"] = {"type": "string", "minLength": 1, "description": "the serving endpoint to query"}
        schema["required"] = ["model"]
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _authenticated(request: Request) -> tuple[Backend, Principal]:
    """The backend and the caller; done inline rather than with FastAPI dependencies, which would run these
    synchronous lookups in the thread pool (two thread hops per call on the hot path)."""
    return request.app.state.backend, current_principal(request)


@lru_cache(maxsize=4096)
def caller_of(principal: Principal) -> Caller:
    return Caller(principal.name, frozenset(principal.groups), principal.service_principal)


async def query(
    gateway: Gateway,
    cache: StateCache,
    principal: Principal,
    name: str,
    body: Any,
    only: str | None = None,
    access: Access | None = None,
) -> Result:
    """One call of endpoint ``name`` by ``principal`` (CAN_QUERY checked, credentials resolved): the pipeline's
    result; ``only`` names the served entity to use instead of the traffic split; a stream asks ``access``
    (the caller's token still authenticates) while it is open."""
    endpoint = cache.queryable(principal, name)
    return await gateway.invoke(
        endpoint.view, caller_of(principal), body, lambda entity: cache.external_model(endpoint, entity), only, access
    )


async def query_by_model(
    gateway: Gateway, cache: StateCache, principal: Principal, body: Any, access: Access | None = None
) -> Result:
    """An OpenAI-compatible call: the body's ``model`` names the endpoint."""
    if not isinstance(body, dict) or not isinstance(body.get("model"), str) or not body["model"]:
        raise InvalidParameterValue("model: the name of the serving endpoint to query is required")
    rest = {k: v for k, v in body.items() if k != "model"}
    return await query(gateway, cache, principal, body["model"], rest, access=access)


def _respond(result: Result) -> Response:
    headers = {"served-model-name": result.served_entity}
    if result.stream is not None:
        return EventStreamResponse(result.stream, headers)
    response = reply(result.body)
    response.headers.update(headers)
    return response


async def _routed(request: Request, name: str | None, only: str | None = None) -> Response:
    """The routes' shared body (the ASGI front door, :mod:`.dispatch`, answers these paths ahead of them)."""
    backend, principal = _authenticated(request)
    body = decode_body(await request.body())
    gateway, cache = gateway_of(request.app), state_cache_of(request.app)
    authorization = request.headers.get("authorization")

    def access() -> object:
        return backend.tokens.authenticate(authorization)

    if name is None:
        return _respond(await query_by_model(gateway, cache, principal, body, access))
    return _respond(await query(gateway, cache, principal, name, body, only, access))


@route(router, api_paths.INVOCATIONS, summary="Query a serving endpoint", openapi_extra=_documented_body())
async def invocations(name: str, request: Request) -> Response:
    return await _routed(request, name)


@route(
    router,
    api_paths.SERVED_MODEL_INVOCATIONS,
    summary="Query one served entity of an endpoint, bypassing the traffic split",
    openapi_extra=_documented_body(),
)
async def served_model_invocations(name: str, served_model: str, request: Request) -> Response:
    return await _routed(request, name, served_model)


def _alias(kind: str):
    async def alias(request: Request) -> Response:
        return await _routed(request, None)

    alias.__name__ = f"openai_{kind.replace('/', '_')}"
    return alias


for _kind, _api in api_paths.OPENAI_ALIASES.items():
    route(
        router,
        _api,
        summary=f"OpenAI-compatible {_kind} (body 'model' names the endpoint)",
        openapi_extra=_documented_body(model=True),
    )(_alias(_kind))


@route(router, api_paths.ENDPOINT_USAGE, summary="Usage per principal (usage tracking)")
async def usage(name: str, request: Request) -> Response:
    backend, principal = _authenticated(request)
    doc = backend.endpoint_acls.require_permission(principal, name, "CAN_QUERY")
    level = backend.endpoint_acls.permission_level(principal, name)
    view = view_from_doc(doc)
    only = None if level == "CAN_MANAGE" else principal.name
    return reply(
        {
            "endpoint_name": name,
            "usage_tracking_enabled": view.usage_tracking_enabled,
            "usage": gateway_of(request.app).usage.rows(view.id or name, only),
        }
    )
