"""The FastAPI application factory of the local serving API."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..payloads.problems import format_problems, problems_from_error_list
from . import gateway
from .backend import Backend, open_backend
from .errors import ApiError, BadRequest, InvalidParameterValue, MalformedRequest
from .fault_gate import FaultGate
from .faults import FaultPlan
from .guard import Admission, Guard
from .json_response import FastJSONResponse
from .routes import endpoints, faults, meta, permissions, secrets
from .settings import Settings
from .usage_store import UsageStore


def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return FastJSONResponse(exc.body(), status_code=exc.status, headers=exc.headers())


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        reason = next(e.get("ctx", {}).get("error", "") for e in errors if e.get("type") == "json_invalid")
        return _api_error(request, MalformedRequest(f"Malformed JSON in request body: {reason}".rstrip(": ")))
    problems = problems_from_error_list(errors, skip_loc=1)
    message = format_problems(p if p.path else type(p)("request body", p.message) for p in problems)
    return _api_error(request, InvalidParameterValue(message))


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        error = ApiError(
            f"No API found for '{request.method} {request.url.path}'", status=404, error_code="ENDPOINT_NOT_FOUND"
        )
    elif exc.status_code == 405:
        error = BadRequest(f"Method {request.method} is not allowed on {request.url.path}", status=405)
    elif exc.status_code == 400:
        error = MalformedRequest(f"Malformed request: {exc.detail}")
    else:
        error = ApiError(str(exc.detail), status=exc.status_code)
    return _api_error(request, error)


# pydantic (2.12+) warns, when FastAPI builds a body parameter's validator (on the route's first request) or the
# OpenAPI document, that the alias FastAPI gives each body parameter ("body") "has no effect": it does so for a body
# model that defers its build, as every payload model does (payloads/base.py). FastAPI reads that alias itself, and
# bodies validate and are documented right, so the warning is false. Filtered for the server's whole process: it is
# raised at a request's time, not the app's build.
_FALSE_BODY_ALIAS_WARNING = r"The 'alias' attribute with value 'body' was provided to the `Field\(\)` function"


def create_app(settings: Settings, backend: Backend | None = None) -> FastAPI:
    """Build the app; the backend (opened from ``settings`` unless given) is ``app.state.backend``."""
    state = backend or open_backend(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await app.state.gateway.aclose()  # saves the usage counted since the last flush
        state.close()

    app = FastAPI(
        title="pulumi-serving local serving API",
        description="Databricks-compatible serving-endpoint and secrets control plane.",
        version="2.0",
        default_response_class=FastJSONResponse,
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    warnings.filterwarnings("ignore", message=_FALSE_BODY_ALIAS_WARNING, category=UserWarning)
    app.state.backend = state
    app.state.settings = settings
    app.state.faults = FaultPlan()
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    for module in (meta, endpoints, permissions, secrets, faults):
        app.include_router(module.router)
    app.include_router(gateway.router)
    gateway.install(app, UsageStore(state.db))
    app.add_middleware(FaultGate, plan=app.state.faults)
    app.add_middleware(
        Guard,
        max_body_bytes=settings.max_body_bytes,
        body_timeout_s=settings.client_timeout_s,
        authenticate=state.tokens.authenticate,
    )
    return app


def front_door(app: FastAPI, inner: Any = None) -> gateway.Front:
    """The ASGI callable to serve: data-plane calls answered ahead of every layer, with the same token, body
    limits and faults as ``app``; everything else goes to ``inner`` (``app`` itself unless given, e.g. wrapped
    in uvicorn's proxy-header middleware)."""
    settings, state = app.state.settings, app.state.backend
    admission = Admission(settings.max_body_bytes, settings.client_timeout_s, state.tokens.authenticate)
    plane = app.state.gateway, app.state.gateway_state
    return gateway.Front(app if inner is None else inner, *plane, admission, app.state.faults)
