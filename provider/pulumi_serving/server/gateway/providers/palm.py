"""Google PaLM API (Generative Language ``v1beta3``): ``models/{model}:generateText`` (completions),
``:generateMessage`` (chat), ``:batchEmbedText`` (embeddings); the key in the ``x-goog-api-key`` header.
PaLM does not stream and reports no token counts (they are estimated); its chat method takes no output limit,
so ``max_tokens`` does not apply to chat."""

from __future__ import annotations

import time
from typing import Any

from ...errors import InvalidParameterValue
from .. import responses
from ..request import CHAT, COMPLETIONS, EMBEDDINGS, StandardRequest
from .ai21labs import no_stream
from .base import Framing, Target, UpstreamCall, only_one_prompt, sampling

_FINISH = {"STOP": "stop", "MAX_TOKENS": "length"}


class PaLMAdapter:
    name = "palm"
    stream_format: Framing = "sse"

    def build(self, request: StandardRequest, target: Target) -> UpstreamCall:
        no_stream(request, self.name)
        model = target.model.removeprefix("models/")
        body: dict[str, Any] = {}
        if request.task == COMPLETIONS:
            method = "generateText"
            body["prompt"] = {"text": only_one_prompt(request, self.name)}
        elif request.task == CHAT:
            method = "generateMessage"
            context = "\n".join(m.content for m in request.messages if m.role == "system")
            prompt: dict[str, Any] = {
                "messages": [{"author": m.role, "content": m.content} for m in request.messages if m.role != "system"]
            }
            if context:
                prompt["context"] = context
            body["prompt"] = prompt
        else:
            method = "batchEmbedText"
            body["texts"] = list(request.inputs)
        if request.task != EMBEDDINGS:
            if request.task == CHAT and request.stop:
                raise InvalidParameterValue("stop: not supported by provider palm for chat")
            # generateMessage has no output limit either: max_tokens is not applied to chat
            body["candidateCount"] = request.n
            body.update(sampling(request, "maxOutputTokens" if request.task == COMPLETIONS else None, "stopSequences"))
        return UpstreamCall(
            f"{target.base_url.rstrip('/')}/models/{model}:{method}",
            {"x-goog-api-key": target.credential},
            {**request.extra, **body},
        )

    def translate(self, request: StandardRequest, target: Target, body: dict[str, Any]) -> dict[str, Any]:
        prompt_tokens = responses.estimate_tokens(request.prompt_text)
        if request.task == EMBEDDINGS:
            vectors = [[float(x) for x in e["value"]] for e in body["embeddings"]]
            return responses.embeddings(target.model, vectors, prompt_tokens)
        field = "output" if request.task == COMPLETIONS else "content"
        choices = [
            responses.Choice(str(c[field]), _FINISH.get(str(c.get("finishReason")), "stop")) for c in body["candidates"]
        ]
        return responses.generation(
            request.task,
            "",
            int(time.time()),
            target.model,
            choices,
            prompt_tokens,
            sum(responses.estimate_tokens(c.text) for c in choices),
        )

    def stream(self, request: StandardRequest, target: Target) -> Any:
        raise InvalidParameterValue(f"stream: provider {self.name} does not stream")
