"""Cohere v1 wire format: ``/v1/generate``, ``/v1/chat``, ``/v1/embed``; streams are newline-delimited JSON."""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import answers
from .behaviour import Behaviour
from .wire import Call, WireError, bearer, endpoint, ndjson, optional_int, require, string_list

_FINISH = {"stop": "COMPLETE", "length": "MAX_TOKENS"}


def error_body(_status: int, message: str) -> dict[str, Any]:
    return {"message": message}


def _id(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _meta(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "api_version": {"version": "1"},
        "billed_units": {"input_tokens": prompt_tokens, "output_tokens": completion_tokens},
    }


def _stop(body: dict[str, Any]) -> tuple[str, ...]:
    stop = body.get("stop_sequences")
    return tuple(string_list(stop, "stop_sequences")) if stop else ()


def generate(call: Call) -> Response:
    prompt = require(call.body, "prompt", str)
    n = optional_int(call.body, "num_generations", 1, 5) or 1
    max_tokens = optional_int(call.body, "max_tokens")
    generated = [answers.generate("cohere", call.model, prompt, i, max_tokens, _stop(call.body)) for i in range(n)]
    ident = _id(call.model, prompt, n)
    result = {
        "id": ident,
        "prompt": prompt,
        "generations": [
            {"id": _id(ident, i), "index": i, "text": a.text, "finish_reason": _FINISH[a.finish_reason]}
            for i, a in enumerate(generated)
        ],
        "meta": _meta(answers.count_tokens(prompt), sum(a.completion_tokens for a in generated)),
    }
    if call.stream:

        def items():
            for index, answer in enumerate(generated):
                for piece in answers.stream_pieces(answer):
                    yield {"text": piece, "index": index, "is_finished": False}
            yield {"is_finished": True, "finish_reason": result["generations"][-1]["finish_reason"], "response": result}

        return ndjson(items())
    return JSONResponse(result)


def chat(call: Call) -> Response:
    message = require(call.body, "message", str)
    history = call.body.get("chat_history") or []
    if not isinstance(history, list):
        raise WireError(400, "chat_history: must be a list")
    parts = [str(call.body["preamble"])] if call.body.get("preamble") else []
    for i, turn in enumerate(history):
        if not isinstance(turn, dict) or turn.get("role") not in ("USER", "CHATBOT", "SYSTEM"):
            raise WireError(400, f"chat_history[{i}].role: must be USER, CHATBOT or SYSTEM")
        parts.append(str(turn.get("message", "")))
    prompt = "\n".join([*parts, message])
    answer = answers.generate("cohere", call.model, prompt, 0, optional_int(call.body, "max_tokens"), _stop(call.body))
    ident = _id(call.model, prompt)
    result = {
        "response_id": ident,
        "generation_id": _id(ident, 0),
        "text": answer.text,
        "finish_reason": _FINISH[answer.finish_reason],
        "meta": _meta(answers.count_tokens(prompt), answer.completion_tokens),
    }
    if call.stream:

        def items():
            yield {"event_type": "stream-start", "generation_id": result["generation_id"], "is_finished": False}
            for piece in answers.stream_pieces(answer):
                yield {"event_type": "text-generation", "text": piece, "is_finished": False}
            yield {
                "event_type": "stream-end",
                "finish_reason": result["finish_reason"],
                "response": result,
                "is_finished": True,
            }

        return ndjson(items())
    return JSONResponse(result)


def embed(call: Call) -> Response:
    texts = require(call.body, "texts", list)
    if not texts or not all(isinstance(t, str) for t in texts):
        raise WireError(400, "texts: must be a non-empty list of strings")
    return JSONResponse(
        {
            "id": _id(call.model, texts),
            "texts": texts,
            "embeddings": [answers.embed("cohere", call.model, t) for t in texts],
            "meta": {
                "api_version": {"version": "1"},
                "billed_units": {"input_tokens": sum(answers.count_tokens(t) for t in texts)},
            },
        }
    )


#: What this module serves, by name (shown by ``GET /_control``).
PATHS = {
    "cohere": "/v1/generate, /v1/chat, /v1/embed (Authorization: Bearer)",
}


def routes(behaviour: Behaviour) -> list[Route]:
    out = []
    for name, build in (("generate", generate), ("chat", chat), ("embed", embed)):

        def make(build=build, name=name):
            @endpoint(behaviour, "cohere", name, credential=bearer, error_body=error_body)
            async def route(call: Call) -> Response:
                return build(call)

            return route

        out.append(Route(f"/v1/{name}", make(), methods=["POST"]))
    return out
