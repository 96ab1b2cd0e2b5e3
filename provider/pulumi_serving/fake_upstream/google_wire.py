"""Google wire formats: the OAuth token endpoint (``/token``, JWT-bearer grant from a service-account key),
Vertex AI (``/v1/projects/{project}/locations/{region}/publishers/google/models/{model}:{method}``:
``generateContent``, ``streamGenerateContent?alt=sse``, ``predict`` for embeddings; a token from ``/token``)
and the PaLM API (``/v1beta3/models/{model}:{method}``: ``generateText``, ``generateMessage``,
``batchEmbedText``; ``x-goog-api-key``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import answers
from .behaviour import Behaviour, RequestRecord, hash_credential
from .wire import Call, WireError, bearer, endpoint, header, optional_int, require, sse

TOKEN_PREFIX = "fake-google-"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_FINISH = {"stop": "STOP", "length": "MAX_TOKENS"}


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "status": "INVALID_ARGUMENT" if status == 400 else "ERROR"}}


def _vertex_token(request: Request) -> str | None:
    token = bearer(request)
    return token if token and token.startswith(TOKEN_PREFIX) else None


def _split(request: Request, _body: dict[str, Any]) -> str:
    model, sep, method = request.path_params["target"].partition(":")
    if not sep:
        raise WireError(404, "expected {model}:{method}")
    request.state.method = method
    return model


def _texts(call: Call) -> str:
    contents = require(call.body, "contents", list)
    parts = [str(p.get("text")) for p in (call.body.get("systemInstruction") or {}).get("parts") or []]
    for i, content in enumerate(contents):
        if not isinstance(content, dict) or content.get("role") not in ("user", "model"):
            raise WireError(400, f"contents[{i}].role: must be user or model")
        parts += [str(p.get("text")) for p in content.get("parts") or []]
    return "\n".join(parts)


def vertex(call: Call) -> Response:
    method = call.request.state.method
    if method == "predict":
        instances = require(call.body, "instances", list)
        return JSONResponse(
            {
                "predictions": [
                    {
                        "embeddings": {
                            "values": answers.embed("vertex", call.model, str(i.get("content"))),
                            "statistics": {"token_count": answers.count_tokens(str(i.get("content")))},
                        }
                    }
                    for i in instances
                ]
            }
        )
    if method not in ("generateContent", "streamGenerateContent"):
        raise WireError(404, f"method {method} is not served")
    prompt = _texts(call)
    config = call.body.get("generationConfig") or {}
    count = optional_int(config, "candidateCount", 1, 8) or 1
    generated = [
        answers.generate("vertex", call.model, prompt, i, optional_int(config, "maxOutputTokens")) for i in range(count)
    ]
    usage = {
        "promptTokenCount": answers.count_tokens(prompt),
        "candidatesTokenCount": sum(a.completion_tokens for a in generated),
    }
    if method == "streamGenerateContent":
        if call.request.query_params.get("alt") != "sse":
            raise WireError(400, "alt=sse: the fake streams server-sent events only")

        def events() -> Iterator[tuple[str | None, Any]]:
            for index, answer in enumerate(generated):
                pieces = answers.stream_pieces(answer)
                for i, piece in enumerate(pieces):
                    last = i == len(pieces) - 1
                    candidate: dict[str, Any] = {
                        "index": index,
                        "content": {"role": "model", "parts": [{"text": piece}]},
                    }
                    if last:
                        candidate["finishReason"] = _FINISH[answer.finish_reason]
                    yield None, {"candidates": [candidate], **({"usageMetadata": usage} if last else {})}

        return sse(events())
    return JSONResponse(
        {
            "candidates": [
                {
                    "index": i,
                    "content": {"role": "model", "parts": [{"text": a.text}]},
                    "finishReason": _FINISH[a.finish_reason],
                }
                for i, a in enumerate(generated)
            ],
            "usageMetadata": usage,
        }
    )


def palm(call: Call) -> Response:
    method = call.request.state.method
    if method == "batchEmbedText":
        texts = require(call.body, "texts", list)
        return JSONResponse({"embeddings": [{"value": answers.embed("palm", call.model, str(t))} for t in texts]})
    prompt = require(call.body, "prompt", dict)
    count = optional_int(call.body, "candidateCount", 1, 8) or 1
    if method == "generateText":
        text = str(prompt.get("text") or "")
        generated = [
            answers.generate("palm", call.model, text, i, optional_int(call.body, "maxOutputTokens"))
            for i in range(count)
        ]
        return JSONResponse({"candidates": [{"output": a.text, "safetyRatings": []} for a in generated]})
    if method == "generateMessage":
        messages = prompt.get("messages")
        if not isinstance(messages, list) or not messages:
            raise WireError(400, "prompt.messages: must be a non-empty list")
        text = "\n".join([str(prompt.get("context") or "")] + [str(m.get("content")) for m in messages]).strip()
        generated = [answers.generate("palm", call.model, text, i) for i in range(count)]
        return JSONResponse(
            {"candidates": [{"author": "1", "content": a.text} for a in generated], "messages": messages}
        )
    raise WireError(404, f"method {method} is not served")


def token_route(behaviour: Behaviour) -> Route:
    async def token(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode(errors="replace")).items()}
        assertion = str(form.get("assertion") or "")
        status = 200
        try:
            if form.get("grant_type") != JWT_BEARER_GRANT or assertion.count(".") != 2:
                status = 400
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            from google.auth import jwt

            claims = jwt.decode(assertion, verify=False)
            if not claims.get("iss") or not claims.get("scope"):
                status = 400
                return JSONResponse(
                    {"error": "invalid_grant", "error_description": "iss and scope required"}, status_code=400
                )
            digest = hashlib.sha256(str(claims["iss"]).encode()).hexdigest()[:24]
            return JSONResponse({"access_token": TOKEN_PREFIX + digest, "token_type": "Bearer", "expires_in": 3600})
        finally:
            behaviour.record(
                RequestRecord("google-oauth", "token", "", hash_credential(assertion or None), False, status)
            )

    return Route("/token", token, methods=["POST"])


#: What this module serves, by name (shown by ``GET /_control``).
PATHS = {
    "google-cloud-vertex-ai": "/v1/projects/{p}/locations/{r}/publishers/google/models/{model}:generateContent|"
    "streamGenerateContent|predict (token from /token)",
    "google-oauth": "/token (JWT-bearer grant of a service-account key)",
    "palm": "/v1beta3/models/{model}:generateText|generateMessage|batchEmbedText (x-goog-api-key)",
}


def routes(behaviour: Behaviour) -> list[Route]:
    @endpoint(
        behaviour, "google-cloud-vertex-ai", "vertex", credential=_vertex_token, error_body=error_body, model=_split
    )
    async def vertex_route(call: Call) -> Response:
        return vertex(call)

    @endpoint(behaviour, "palm", "palm", credential=header("x-goog-api-key"), error_body=error_body, model=_split)
    async def palm_route(call: Call) -> Response:
        return palm(call)

    return [
        Route(
            "/v1/projects/{project}/locations/{region}/publishers/google/models/{target}",
            vertex_route,
            methods=["POST"],
        ),
        Route("/v1beta3/models/{target}", palm_route, methods=["POST"]),
        token_route(behaviour),
    ]
