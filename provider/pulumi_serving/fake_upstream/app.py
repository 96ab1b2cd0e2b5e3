"""The fake upstream ASGI app: every provider on one port, plus ``/_control`` and ``/_health``."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..payloads.providers import REGISTRY
from .behaviour import Behaviour
from .wire import WireError, decode_object

#: The fake upstream modules: each provider's fakes (its registry entry names them), then the workspace's OAuth.
WIRE_MODULES: tuple[ModuleType, ...] = tuple(
    import_module(f"{__package__}.{name}")
    for name in dict.fromkeys([*(fake for p in REGISTRY.values() for fake in p.fakes), "databricks_oidc_wire"])
)
PATHS: dict[str, str] = {name: path for module in WIRE_MODULES for name, path in module.PATHS.items()}


def _control_routes(behaviour: Behaviour) -> list[Route]:
    async def show(_request: Request) -> Response:
        return JSONResponse({"switches": behaviour.switches(), "paths": PATHS})

    async def update(request: Request) -> Response:
        try:
            behaviour.update(decode_object(await request.body()))
        except WireError as err:
            return JSONResponse({"error": err.message}, status_code=400)
        except ValueError as err:
            return JSONResponse({"error": str(err)}, status_code=400)
        return JSONResponse({"switches": behaviour.switches()})

    async def requests(_request: Request) -> Response:
        return JSONResponse({"requests": behaviour.records()})

    async def clear(_request: Request) -> Response:
        behaviour.clear_records()
        return JSONResponse({})

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return [
        Route("/_control", show, methods=["GET"]),
        Route("/_control", update, methods=["POST"]),
        Route("/_control/requests", requests, methods=["GET"]),
        Route("/_control/requests", clear, methods=["DELETE"]),
        Route("/_health", health, methods=["GET"]),
    ]


def create_fake_upstream_app(behaviour: Behaviour | None = None) -> Starlette:
    """Build the app; ``behaviour`` holds the switches (a fresh default one when omitted)."""
    behaviour = behaviour or Behaviour()
    routes = _control_routes(behaviour) + [route for module in WIRE_MODULES for route in module.routes(behaviour)]
    app = Starlette(routes=routes)
    app.state.behaviour = behaviour
    return app


SWITCHES_ENV = "PULUMI_SERVING_FAKE_UPSTREAM_SWITCHES"


def from_environment() -> Starlette:
    """The app of one worker process of ``fake-upstream --workers N`` (switches from SWITCHES_ENV)."""
    import json
    import os

    behaviour = Behaviour()
    behaviour.update(json.loads(os.environ.get(SWITCHES_ENV) or "{}"))
    return create_fake_upstream_app(behaviour)
