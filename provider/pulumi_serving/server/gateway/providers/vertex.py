"""Google Cloud Vertex AI (bearer access token from the service-account key): chat and completions through
``{base}/projects/{project}/locations/{region}/publishers/google/models/{model}:generateContent`` (streams:
``:streamGenerateContent?alt=sse``), embeddings through ``:predict`` with ``instances: [{content}]``."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .. import responses
from ..request import CHAT, EMBEDDINGS, StandardRequest
from .base import ChunkStream, Framing, Target, UpstreamCall, only_one_prompt

_FINISH = {"STOP": "stop", "MAX_TOKENS": "length"}


def _finish(reason: Any) -> str | None:
    return _FINISH.get(str(reason), str(reason).lower()) if reason else None


def _text(candidate: dict[str, Any]) -> str:
    parts = (candidate.get("content") or {}).get("parts") or []
    return "".join(str(p["text"]) for p in parts if "text" in p)


class VertexAIAdapter:
    name = "google-cloud-vertex-ai"
    stream_format: Framing = "sse"

    def build(self, request: StandardRequest, target: Target) -> UpstreamCall:
        model_url = (
            f"{target.base_url.rstrip('/')}/projects/{target.options['project']}/locations/"
            f"{target.options['region']}/publishers/google/models/{target.model}"
        )
        headers = {"Authorization": f"Bearer {target.credential}"}
        if request.task == EMBEDDINGS:
            return UpstreamCall(
                f"{model_url}:predict",
                headers,
                {**request.extra, "instances": [{"content": text} for text in request.inputs]},
            )
        body: dict[str, Any] = {}
        if request.task == CHAT:
            system = [m.content for m in request.messages if m.role == "system"]
            body["contents"] = [
                {"role": "model" if m.role == "assistant" else "user", "parts": [{"text": m.content}]}
                for m in request.messages
                if m.role != "system"
            ]
            if system:
                body["systemInstruction"] = {"parts": [{"text": "\n".join(system)}]}
        else:
            body["contents"] = [{"role": "user", "parts": [{"text": only_one_prompt(request, self.name)}]}]
        config: dict[str, Any] = {"candidateCount": request.n}
        if request.max_tokens is not None:
            config["maxOutputTokens"] = request.max_tokens
        if request.temperature is not None:
            config["temperature"] = request.temperature
        if request.stop:
            config["stopSequences"] = list(request.stop)
        body["generationConfig"] = config
        if request.stream:
            return UpstreamCall(
                f"{model_url}:streamGenerateContent", headers, {**request.extra, **body}, {"alt": "sse"}
            )
        return UpstreamCall(f"{model_url}:generateContent", headers, {**request.extra, **body})

    def translate(self, request: StandardRequest, target: Target, body: dict[str, Any]) -> dict[str, Any]:
        if request.task == EMBEDDINGS:
            predictions = body["predictions"]
            vectors = [[float(x) for x in p["embeddings"]["values"]] for p in predictions]
            tokens = sum(int((p["embeddings"].get("statistics") or {}).get("token_count") or 0) for p in predictions)
            return responses.embeddings(target.model, vectors, tokens or responses.estimate_tokens(request.prompt_text))
        candidates = body["candidates"]
        if not isinstance(candidates, list) or not candidates:
            raise ValueError("no candidates")
        choices = [responses.Choice(_text(c), _finish(c.get("finishReason"))) for c in candidates]
        use = body.get("usageMetadata") or {}
        prompt_tokens = int(use.get("promptTokenCount") or responses.estimate_tokens(request.prompt_text))
        completion_tokens = int(
            use.get("candidatesTokenCount") or sum(responses.estimate_tokens(c.text) for c in choices)
        )
        return responses.generation(
            request.task,
            str(body.get("responseId") or ""),
            int(time.time()),
            target.model,
            choices,
            prompt_tokens,
            completion_tokens,
        )

    def stream(self, request: StandardRequest, target: Target) -> VertexStream:
        return VertexStream(request, target)


@dataclass
class VertexStream(ChunkStream):
    def feed(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        use = event.get("usageMetadata") or {}
        self.prompt_tokens = int(use.get("promptTokenCount") or self.prompt_tokens)
        self._id = str(event.get("responseId") or "")
        out = []
        for position, candidate in enumerate(event["candidates"]):
            index = int(candidate.get("index") or position)
            role = self._opening_role()
            text = _text(candidate)
            if text:
                self.completion_tokens += 1
            finish = _finish(candidate.get("finishReason"))
            self.done = self.done or finish is not None
            out.append(self._chunk(index, text, finish, role))
        self.completion_tokens = int(use.get("candidatesTokenCount") or self.completion_tokens)
        return out
