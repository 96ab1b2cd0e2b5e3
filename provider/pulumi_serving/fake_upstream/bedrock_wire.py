"""Amazon Bedrock runtime wire format: ``/model/{model}/invoke`` and ``/model/{model}/invoke-with-response-stream``
(AWS event stream of ``chunk`` events carrying ``{"bytes": base64(JSON)}``). The request must carry a SigV4
``Authorization`` header for service ``bedrock`` (its form is checked; the credential recorded is the access
key id). The body follows the model id's family: ``anthropic.`` (Messages API with ``anthropic_version``),
``cohere.`` (generate, chat, embed), ``ai21.`` (complete), ``amazon.`` (Titan text, ``amazon.titan-embed*``
embeddings)."""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import AsyncIterator, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from . import answers
from .behaviour import Behaviour
from .wire import Call, WireError, endpoint, optional_int, require, string_list

_SIGV4 = re.compile(
    r"AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)/\d{8}/[a-z0-9-]+/bedrock/aws4_request, "
    r"SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$"
)
_TITAN_FINISH = {"stop": "FINISH", "length": "LENGTH"}


def error_body(_status: int, message: str) -> dict[str, Any]:
    return {"message": message}


def access_key_id(request: Request) -> str | None:
    match = _SIGV4.match(request.headers.get("authorization", ""))
    return match.group(1) if match and request.headers.get("x-amz-date") else None


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return bytes([len(raw_name)]) + raw_name + b"\x07" + len(raw_value).to_bytes(2, "big") + raw_value


def event_message(headers: dict[str, str], payload: bytes) -> bytes:
    """One AWS event stream message (prelude, prelude CRC, headers, payload, message CRC)."""
    encoded = b"".join(_header(k, v) for k, v in headers.items())
    prelude = (16 + len(encoded) + len(payload)).to_bytes(4, "big") + len(encoded).to_bytes(4, "big")
    message = prelude + zlib.crc32(prelude).to_bytes(4, "big") + encoded + payload
    return message + zlib.crc32(message).to_bytes(4, "big")


def chunk_message(event: dict[str, Any]) -> bytes:
    inner = base64.b64encode(json.dumps(event, separators=(",", ":")).encode()).decode()
    return event_message(
        {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"},
        json.dumps({"bytes": inner}).encode(),
    )


def _event_stream(events: Iterable[dict[str, Any]]) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        for event in events:
            yield chunk_message(event)

    return StreamingResponse(body(), media_type="application/vnd.amazon.eventstream")


def _anthropic(call: Call, model: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if call.body.get("anthropic_version") != "bedrock-2023-05-31":
        raise WireError(400, "anthropic_version: must be bedrock-2023-05-31")
    turns = require(call.body, "messages", list)
    max_tokens = optional_int(call.body, "max_tokens")
    if max_tokens is None or not turns:
        raise WireError(400, "max_tokens and messages: required")
    prompt = "\n".join([str(call.body.get("system") or "")] + [str(t.get("content")) for t in turns]).strip()
    answer = answers.generate("amazon-bedrock", model, prompt, 0, max_tokens)
    stop = "end_turn" if answer.finish_reason == "stop" else "max_tokens"
    usage = {"input_tokens": answer.prompt_tokens, "output_tokens": answer.completion_tokens}
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": {"id": "msg_bedrock", "usage": {"input_tokens": answer.prompt_tokens}}}
    ]
    events += [
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
        for piece in answers.stream_pieces(answer)
    ]
    events += [
        {"type": "message_delta", "delta": {"stop_reason": stop}, "usage": {"output_tokens": answer.completion_tokens}},
        {"type": "message_stop"},
    ]
    return {
        "id": "msg_bedrock",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": answer.text}],
        "stop_reason": stop,
        "usage": usage,
    }, events


def _cohere(call: Call, model: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if "texts" in call.body:
        texts = require(call.body, "texts", list)
        return {
            "id": "embed",
            "texts": texts,
            "embeddings": [answers.embed("amazon-bedrock", model, str(t)) for t in texts],
        }, []
    prompt = str(call.body.get("prompt") or call.body.get("message") or "")
    if not prompt:
        raise WireError(400, "prompt or message: required")
    answer = answers.generate("amazon-bedrock", model, prompt, 0, optional_int(call.body, "max_tokens"))
    finish = "COMPLETE" if answer.finish_reason == "stop" else "MAX_TOKENS"
    events = [{"text": piece, "is_finished": False} for piece in answers.stream_pieces(answer)]
    events.append({"is_finished": True, "finish_reason": finish})
    if "message" in call.body:
        return {"response_id": "chat", "text": answer.text, "finish_reason": finish}, events
    return {
        "id": "gen",
        "prompt": prompt,
        "generations": [{"id": "g0", "text": answer.text, "finish_reason": finish}],
    }, events


def _ai21(call: Call, model: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    prompt = require(call.body, "prompt", str)
    answer = answers.generate("amazon-bedrock", model, prompt, 0, optional_int(call.body, "maxTokens"))
    return {
        "id": 1,
        "prompt": {"text": prompt, "tokens": [{}] * answer.prompt_tokens},
        "completions": [
            {
                "data": {"text": answer.text, "tokens": [{}] * answer.completion_tokens},
                "finishReason": {"reason": "endoftext" if answer.finish_reason == "stop" else "length"},
            }
        ],
    }, []


def _titan(call: Call, model: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    text = require(call.body, "inputText", str)
    tokens = answers.count_tokens(text)
    if "embed" in model:
        return {"embedding": answers.embed("amazon-bedrock", model, text), "inputTextTokenCount": tokens}, []
    config = call.body.get("textGenerationConfig") or {}
    if not isinstance(config, dict):
        raise WireError(400, "textGenerationConfig: must be an object")
    stop = tuple(string_list(config["stopSequences"], "stopSequences")) if config.get("stopSequences") else ()
    answer = answers.generate("amazon-bedrock", model, text, 0, optional_int(config, "maxTokenCount"), stop)
    reason = _TITAN_FINISH[answer.finish_reason]
    pieces = answers.stream_pieces(answer)
    events = [
        {
            "outputText": piece,
            "index": 0,
            "inputTextTokenCount": tokens if i == 0 else None,
            "totalOutputTextTokenCount": i + 1,
            "completionReason": reason if i == len(pieces) - 1 else None,
        }
        for i, piece in enumerate(pieces)
    ]
    return {
        "inputTextTokenCount": tokens,
        "results": [{"tokenCount": answer.completion_tokens, "outputText": answer.text, "completionReason": reason}],
    }, events


_FAMILIES = {"anthropic": _anthropic, "cohere": _cohere, "ai21": _ai21, "amazon": _titan}


def _answer(call: Call, stream: bool) -> Response:
    family = _FAMILIES.get(call.model.split(".", 1)[0])
    if family is None:
        raise WireError(400, f"model {call.model}: not a model of anthropic, cohere, ai21 or amazon")
    body, events = family(call, call.model)
    if not stream:
        return JSONResponse(body)
    if not events:
        raise WireError(400, f"model {call.model}: does not stream")
    return _event_stream(events)


#: What this module serves, by name (shown by ``GET /_control``).
PATHS = {
    "amazon-bedrock": "/model/{model}/invoke, /model/{model}/invoke-with-response-stream (SigV4, AWS event stream)",
}


def routes(behaviour: Behaviour) -> list[Route]:
    model = lambda request, _body: request.path_params["model"]  # noqa: E731 - the model id is in the path

    @endpoint(behaviour, "amazon-bedrock", "invoke", credential=access_key_id, error_body=error_body, model=model)
    async def invoke(call: Call) -> Response:
        return _answer(call, False)

    @endpoint(
        behaviour,
        "amazon-bedrock",
        "invoke-with-response-stream",
        credential=access_key_id,
        error_body=error_body,
        model=model,
    )
    async def invoke_stream(call: Call) -> Response:
        return _answer(call, True)

    return [
        Route("/model/{model}/invoke", invoke, methods=["POST"]),
        Route("/model/{model}/invoke-with-response-stream", invoke_stream, methods=["POST"]),
    ]
