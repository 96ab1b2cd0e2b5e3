"""Anthropic wire format: Messages API (``/v1/messages``) and legacy Text Completions (``/v1/complete``)."""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import answers
from .behaviour import Behaviour
from .wire import Call, WireError, endpoint, header, optional_int, require, sse, string_list

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}
_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens"}


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": _ERROR_TYPES.get(status, "api_error"), "message": message}}


def _check_version(call: Call) -> None:
    if not call.request.headers.get("anthropic-version"):
        raise WireError(400, "anthropic-version: header is required")


def _stop(body: dict[str, Any]) -> tuple[str, ...]:
    stop = body.get("stop_sequences")
    return tuple(string_list(stop, "stop_sequences")) if stop else ()


def _text_of(content: Any, where: str) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(b, dict) and b.get("type") == "text" for b in content):
        return "\n".join(str(b.get("text", "")) for b in content)
    raise WireError(400, f"{where}: must be a string or a list of text blocks")


def messages(call: Call) -> Response:
    _check_version(call)
    max_tokens = optional_int(call.body, "max_tokens")
    if max_tokens is None:
        raise WireError(400, "max_tokens: field is required")
    turns = require(call.body, "messages", list)
    if not turns:
        raise WireError(400, "messages: must not be empty")
    parts = [_text_of(call.body["system"], "system")] if call.body.get("system") else []
    for i, turn in enumerate(turns):
        if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant"):
            raise WireError(400, f"messages[{i}].role: must be user or assistant")
        parts.append(_text_of(turn.get("content"), f"messages[{i}].content"))
    if turns[0]["role"] != "user":
        raise WireError(400, "messages[0].role: the first message must use the user role")
    prompt = "\n".join(parts)
    answer = answers.generate("anthropic", call.model, prompt, 0, max_tokens, _stop(call.body))
    ident = "msg_" + hashlib.sha256(f"{call.model}|{prompt}".encode()).hexdigest()[:24]
    stop_reason = _STOP_REASONS[answer.finish_reason]
    if call.stream:

        def events():
            yield (
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": ident,
                        "type": "message",
                        "role": "assistant",
                        "model": call.model,
                        "content": [],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": {"input_tokens": answer.prompt_tokens, "output_tokens": 1},
                    },
                },
            )
            yield (
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            )
            yield "ping", {"type": "ping"}
            for piece in answers.stream_pieces(answer):
                yield (
                    "content_block_delta",
                    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}},
                )
            yield "content_block_stop", {"type": "content_block_stop", "index": 0}
            yield (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                    "usage": {"output_tokens": answer.completion_tokens},
                },
            )
            yield "message_stop", {"type": "message_stop"}

        return sse(events())
    return JSONResponse(
        {
            "id": ident,
            "type": "message",
            "role": "assistant",
            "model": call.model,
            "content": [{"type": "text", "text": answer.text}],
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": answer.prompt_tokens, "output_tokens": answer.completion_tokens},
        }
    )


def complete(call: Call) -> Response:
    _check_version(call)
    prompt = require(call.body, "prompt", str)
    if not prompt.startswith("\n\nHuman:") or "\n\nAssistant:" not in prompt:
        raise WireError(400, 'prompt: must start with "\\n\\nHuman:" and contain "\\n\\nAssistant:"')
    max_tokens = optional_int(call.body, "max_tokens_to_sample")
    if max_tokens is None:
        raise WireError(400, "max_tokens_to_sample: field is required")
    answer = answers.generate("anthropic", call.model, prompt, 0, max_tokens, _stop(call.body))
    stop_reason = "stop_sequence" if answer.finish_reason == "stop" else "max_tokens"
    ident = "compl_" + hashlib.sha256(f"{call.model}|{prompt}".encode()).hexdigest()[:24]
    if call.stream:

        def events():
            for piece in answers.stream_pieces(answer):
                yield (
                    "completion",
                    {
                        "type": "completion",
                        "id": ident,
                        "completion": " " + piece.lstrip(),
                        "stop_reason": None,
                        "model": call.model,
                    },
                )
            yield (
                "completion",
                {"type": "completion", "id": ident, "completion": "", "stop_reason": stop_reason, "model": call.model},
            )

        return sse(events())
    return JSONResponse(
        {
            "type": "completion",
            "id": ident,
            "completion": " " + answer.text,
            "stop_reason": stop_reason,
            "model": call.model,
        }
    )


#: What this module serves, by name (shown by ``GET /_control``).
PATHS = {
    "anthropic": "/v1/messages, /v1/complete (x-api-key, anthropic-version)",
}


def routes(behaviour: Behaviour) -> list[Route]:
    key = header("x-api-key")

    @endpoint(behaviour, "anthropic", "messages", credential=key, error_body=error_body)
    async def messages_route(call: Call) -> Response:
        return messages(call)

    @endpoint(behaviour, "anthropic", "complete", credential=key, error_body=error_body)
    async def complete_route(call: Call) -> Response:
        return complete(call)

    return [
        Route("/v1/messages", messages_route, methods=["POST"]),
        Route("/v1/complete", complete_route, methods=["POST"]),
    ]
