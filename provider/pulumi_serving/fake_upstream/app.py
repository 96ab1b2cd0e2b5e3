"""The fake upstream ASGI app: every provider on one port, plus ``/_control`` and ``/_health``."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import (
    ai21_wire,
    anthropic_wire,
    bedrock_wire,
    cohere_wire,
    databricks_oidc_wire,
    databricks_serving_wire,
    entra_wire,
    google_wire,
    openai_wire,
)
from .behaviour import Behaviour
from .wire import WireError, decode_object

PATHS = {
    "openai": "/v1/completions, /v1/chat/completions, /v1/embeddings (Authorization: Bearer)",
    "azure": "/openai/deployments/{deployment}/{completions|chat/completions|embeddings}?api-version= (api-key)",
    "entra": "/{tenant}/oauth2/v2.0/token (client credentials)",
    "anthropic": "/v1/messages, /v1/complete (x-api-key, anthropic-version)",
    "cohere": "/v1/generate, /v1/chat, /v1/embed (Authorization: Bearer)",
    "amazon-bedrock": "/model/{model}/invoke, /model/{model}/invoke-with-response-stream (SigV4, AWS event stream)",
    "google-cloud-vertex-ai": "/v1/projects/{p}/locations/{r}/publishers/google/models/{model}:generateContent|"
    "streamGenerateContent|predict (token from /token)",
    "google-oauth": "/token (JWT-bearer grant of a service-account key)",
    "ai21labs": "/studio/v1/{model}/complete (Authorization: Bearer)",
    "palm": "/v1beta3/models/{model}:generateText|generateMessage|batchEmbedText (x-goog-api-key)",
    "databricks-model-serving": "/serving-endpoints/{name}/invocations (Authorization: Bearer)",
    "databricks-oidc": "/.well-known/databricks-config, /oidc/.well-known/oauth-authorization-server, /oidc/v1/token "
    "(service principal OAuth M2M)",
}


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
    routes = (
        _control_routes(behaviour)
        + openai_wire.routes(behaviour)
        + anthropic_wire.routes(behaviour)
        + cohere_wire.routes(behaviour)
        + entra_wire.routes(behaviour)
        + databricks_oidc_wire.routes(behaviour)
        + bedrock_wire.routes(behaviour)
        + google_wire.routes(behaviour)
        + ai21_wire.routes(behaviour)
        + databricks_serving_wire.routes(behaviour)
    )
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
