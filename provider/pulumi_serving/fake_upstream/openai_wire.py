"""OpenAI wire format (also served for Azure OpenAI deployments): completions, chat, embeddings, SSE streams."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import answers
from .behaviour import Behaviour
from .wire import Call, WireError, bearer, endpoint, optional_int, require, sse, string_list

ENTRA_TOKEN_PREFIX = "fake-entra-"

_ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_api_key", 404: "not_found", 429: "rate_limit_exceeded"}


def error_body(status: int, message: str) -> dict[str, Any]:
    kind = _ERROR_TYPES.get(status, "server_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


def _id(prefix: str, *parts: Any) -> str:
    return prefix + hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def _options(body: dict[str, Any]) -> tuple[int, int | None, tuple[str, ...]]:
    n = optional_int(body, "n", 1, 128) or 1
    max_tokens = optional_int(body, "max_tokens", 1, 1_000_000)
    stop = body.get("stop") or ()
    return n, max_tokens, tuple(string_list(stop, "stop")) if stop else ()


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _chat_prompt(body: dict[str, Any]) -> str:
    messages = require(body, "messages", list)
    if not messages:
        raise WireError(400, "messages: must not be empty")
    parts = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in (
            "system",
            "user",
            "assistant",
            "tool",
            "developer",
        ):
            raise WireError(400, f"messages[{i}].role: must be system, user or assistant")
        content = message.get("content")
        if not isinstance(content, str):
            raise WireError(400, f"messages[{i}].content: must be a string")
        parts.append(content)
    return "\n".join(parts)


def completions(provider: str, call: Call) -> Response:
    prompts = string_list(require(call.body, "prompt", (str, list)), "prompt")
    n, max_tokens, stop = _options(call.body)
    generated = [
        answers.generate(provider, call.model, prompt, i, max_tokens, stop) for prompt in prompts for i in range(n)
    ]
    ident, created = _id("cmpl-", provider, call.model, prompts, n), int(time.time())
    if call.stream:

        def chunk(index: int, text: str, finish_reason: str | None) -> tuple[None, dict[str, Any]]:
            choice = {"index": index, "text": text, "logprobs": None, "finish_reason": finish_reason}
            body = {"id": ident, "object": "text_completion", "created": created, "model": call.model}
            return None, {**body, "choices": [choice]}

        def events():
            for index, answer in enumerate(generated):
                for piece in answers.stream_pieces(answer):
                    yield chunk(index, piece, None)
                yield chunk(index, "", answer.finish_reason)
            yield None, "[DONE]"

        return sse(events())
    prompt_tokens = sum(answers.count_tokens(p) for p in prompts)
    return JSONResponse(
        {
            "id": ident,
            "object": "text_completion",
            "created": created,
            "model": call.model,
            "choices": [
                {"index": i, "text": a.text, "logprobs": None, "finish_reason": a.finish_reason}
                for i, a in enumerate(generated)
            ],
            "usage": _usage(prompt_tokens, sum(a.completion_tokens for a in generated)),
        }
    )


def chat(provider: str, call: Call) -> Response:
    prompt = _chat_prompt(call.body)
    n, max_tokens, stop = _options(call.body)
    generated = [answers.generate(provider, call.model, prompt, i, max_tokens, stop) for i in range(n)]
    ident, created = _id("chatcmpl-", provider, call.model, prompt, n), int(time.time())
    if call.stream:

        def chunk(index: int, delta: dict[str, Any], finish: str | None) -> tuple[None, dict[str, Any]]:
            return None, {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": created,
                "model": call.model,
                "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
            }

        def events():
            for index, answer in enumerate(generated):
                yield chunk(index, {"role": "assistant", "content": ""}, None)
                for piece in answers.stream_pieces(answer):
                    yield chunk(index, {"content": piece}, None)
                yield chunk(index, {}, answer.finish_reason)
            yield None, "[DONE]"

        return sse(events())
    return JSONResponse(
        {
            "id": ident,
            "object": "chat.completion",
            "created": created,
            "model": call.model,
            "choices": [
                {"index": i, "message": {"role": "assistant", "content": a.text}, "finish_reason": a.finish_reason}
                for i, a in enumerate(generated)
            ],
            "usage": _usage(answers.count_tokens(prompt), sum(a.completion_tokens for a in generated)),
        }
    )


def embeddings(provider: str, call: Call) -> Response:
    texts = string_list(require(call.body, "input", (str, list)), "input")
    tokens = sum(answers.count_tokens(t) for t in texts)
    return JSONResponse(
        {
            "object": "list",
            "model": call.model,
            "data": [
                {"object": "embedding", "index": i, "embedding": answers.embed(provider, call.model, t)}
                for i, t in enumerate(texts)
            ],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )


_OPERATIONS = {"completions": completions, "chat/completions": chat, "embeddings": embeddings}


def _azure_credential(request: Request) -> str | None:
    key = request.headers.get("api-key")
    if key:
        return key
    token = bearer(request)
    return token if token and token.startswith(ENTRA_TOKEN_PREFIX) else None


def _azure_deployment(request: Request, _body: dict[str, Any]) -> str:
    if not request.query_params.get("api-version"):
        raise WireError(400, "api-version: query parameter is required")
    return request.path_params["deployment"]


#: What this module serves, by name (shown by ``GET /_control``).
PATHS = {
    "openai": "/v1/completions, /v1/chat/completions, /v1/embeddings (Authorization: Bearer)",
    "azure": "/openai/deployments/{deployment}/{completions|chat/completions|embeddings}?api-version= (api-key)",
}


def routes(behaviour: Behaviour) -> list[Route]:
    """OpenAI under ``/v1/...``; Azure under ``/openai/deployments/{deployment}/...?api-version=``."""
    out = []
    for path, build in _OPERATIONS.items():

        def make(build=build, path=path):
            @endpoint(behaviour, "openai", path, credential=bearer, error_body=error_body)
            async def openai(call: Call) -> Response:
                return build("openai", call)

            @endpoint(
                behaviour, "azure", path, credential=_azure_credential, error_body=error_body, model=_azure_deployment
            )
            async def azure(call: Call) -> Response:
                return build("azure", call)

            return openai, azure

        openai_handler, azure_handler = make()
        out.append(Route(f"/v1/{path}", openai_handler, methods=["POST"]))
        out.append(Route(f"/openai/deployments/{{deployment}}/{path}", azure_handler, methods=["POST"]))
    return out
