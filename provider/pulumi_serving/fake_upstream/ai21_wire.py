"""AI21 Labs wire format: ``/studio/v1/{model}/complete`` (bearer key; no streaming)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import answers
from .behaviour import Behaviour
from .wire import Call, bearer, endpoint, optional_int, require, string_list


def error_body(_status: int, message: str) -> dict[str, Any]:
    return {"detail": message}


def complete(call: Call) -> Response:
    prompt = require(call.body, "prompt", str)
    count = optional_int(call.body, "numResults", 1, 16) or 1
    stop = tuple(string_list(call.body["stopSequences"], "stopSequences")) if call.body.get("stopSequences") else ()
    generated = [
        answers.generate("ai21labs", call.model, prompt, i, optional_int(call.body, "maxTokens"), stop)
        for i in range(count)
    ]
    return JSONResponse(
        {
            "id": f"ai21-{call.model}",
            "prompt": {"text": prompt, "tokens": [{}] * answers.count_tokens(prompt)},
            "completions": [
                {
                    "data": {"text": a.text, "tokens": [{}] * a.completion_tokens},
                    "finishReason": {"reason": "endoftext" if a.finish_reason == "stop" else "length"},
                }
                for a in generated
            ],
        }
    )


#: What this module serves, by name (shown by ``GET /_control``).
PATHS = {
    "ai21labs": "/studio/v1/{model}/complete (Authorization: Bearer)",
}


def routes(behaviour: Behaviour) -> list[Route]:
    @endpoint(
        behaviour,
        "ai21labs",
        "complete",
        credential=bearer,
        error_body=error_body,
        model=lambda request, _body: request.path_params["model"],
    )
    async def route(call: Call) -> Response:
        return complete(call)

    return [Route("/studio/v1/{model}/complete", route, methods=["POST"])]
