"""AI21 Labs Jurassic-2 completions (``{base}/{model}/complete``, bearer key); also Bedrock's AI21 body.
AI21's complete API does not stream."""

from __future__ import annotations

import time
from typing import Any

from ...errors import InvalidParameterValue
from .. import responses
from ..request import COMPLETIONS, StandardRequest
from .base import Framing, Target, UpstreamCall, only_one_prompt, sampling

_FINISH = {"endoftext": "stop", "stop": "stop", "length": "length"}


def no_stream(request: StandardRequest, provider: str) -> None:
    if request.stream:
        raise InvalidParameterValue(f"stream: provider {provider} does not stream; send the query without stream")


def complete_body(request: StandardRequest, provider: str) -> dict[str, Any]:
    if request.task != COMPLETIONS:
        raise InvalidParameterValue(f"provider {provider} serves {COMPLETIONS} only")
    prompt = only_one_prompt(request, provider)
    return {
        **request.extra,
        "prompt": prompt,
        "numResults": request.n,
        **sampling(request, "maxTokens", "stopSequences"),
    }


def translate_complete(request: StandardRequest, target: Target, body: dict[str, Any]) -> dict[str, Any]:
    completions = body["completions"]
    choices = [
        responses.Choice(str(c["data"]["text"]), _FINISH.get(str((c.get("finishReason") or {}).get("reason")), "stop"))
        for c in completions
    ]
    prompt_tokens = len((body.get("prompt") or {}).get("tokens") or []) or responses.estimate_tokens(
        request.prompt_text
    )
    completion_tokens = sum(
        len(c["data"].get("tokens") or []) or responses.estimate_tokens(choice.text)
        for c, choice in zip(completions, choices, strict=True)
    )
    return responses.generation(
        request.task,
        str(body.get("id") or ""),
        int(time.time()),
        target.model,
        choices,
        prompt_tokens,
        completion_tokens,
    )


class AI21LabsAdapter:
    name = "ai21labs"
    stream_format: Framing = "sse"

    def build(self, request: StandardRequest, target: Target) -> UpstreamCall:
        no_stream(request, self.name)
        return UpstreamCall(
            f"{target.base_url.rstrip('/')}/{target.model}/complete",
            {"Authorization": f"Bearer {target.credential}"},
            complete_body(request, self.name),
        )

    def translate(self, request: StandardRequest, target: Target, body: dict[str, Any]) -> dict[str, Any]:
        return translate_complete(request, target, body)

    def stream(self, request: StandardRequest, target: Target) -> Any:
        raise InvalidParameterValue(f"stream: provider {self.name} does not stream")
