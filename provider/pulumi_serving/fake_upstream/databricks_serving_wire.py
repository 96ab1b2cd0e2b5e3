"""Another Databricks workspace's model serving: ``/serving-endpoints/{name}/invocations`` (bearer token); the
query is the standard one (``messages`` -> chat, ``prompt`` -> completions, ``input`` -> embeddings) and so is
the answer (streams: standard chunks over SSE)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from ..payloads.api_paths import INVOCATIONS
from . import openai_wire
from .behaviour import Behaviour
from .wire import Call, WireError, bearer, endpoint

PROVIDER = "databricks-model-serving"


#: What this module serves, by name (shown by ``GET /_control``).
PATHS = {
    "databricks-model-serving": f"{INVOCATIONS.path} (Authorization: Bearer)",
}


def routes(behaviour: Behaviour) -> list[Route]:
    @endpoint(
        behaviour,
        PROVIDER,
        "invocations",
        credential=bearer,
        error_body=lambda _s, m: {"message": m},
        model=lambda request, _body: request.path_params["name"],
    )
    async def invocations(call: Call) -> Response:
        if "messages" in call.body:
            return openai_wire.chat(PROVIDER, call)
        if "prompt" in call.body:
            return openai_wire.completions(PROVIDER, call)
        if "input" in call.body:
            return openai_wire.embeddings(PROVIDER, call)
        raise WireError(400, "one of messages, prompt or input is required")

    return [Route(INVOCATIONS.path, invocations, methods=[INVOCATIONS.method])]
