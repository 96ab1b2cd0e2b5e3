"""Anthropic Messages API (``/messages``) for completions and chat."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .. import responses
from ..request import COMPLETIONS, StandardRequest
from .base import ChunkStream, Framing, Target, UpstreamCall, only_one_choice, only_one_prompt, sampling

ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 1024
_FINISH = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length"}


def _finish(reason: Any) -> str | None:
    return _FINISH.get(reason, reason) if reason else None


class AnthropicAdapter:
    name = "anthropic"
    stream_format: Framing = "sse"

    def build(self, request: StandardRequest, target: Target) -> UpstreamCall:
        body = messages_body(request, self.name)
        body["model"] = target.model
        if request.stream:
            body["stream"] = True
        headers = {"x-api-key": target.credential, "anthropic-version": ANTHROPIC_VERSION}
        return UpstreamCall(f"{target.base_url.rstrip('/')}/messages", headers, body)

    def translate(self, request: StandardRequest, target: Target, body: dict[str, Any]) -> dict[str, Any]:
        return translate_messages(request, target, body)

    def stream(self, request: StandardRequest, target: Target) -> AnthropicStream:
        return AnthropicStream(request, target)


def messages_body(request: StandardRequest, provider: str) -> dict[str, Any]:
    """A Messages API body without ``model`` and ``stream`` (also Bedrock's Anthropic body)."""
    only_one_choice(request, provider)
    if request.task == COMPLETIONS:
        system, turns = [], [{"role": "user", "content": only_one_prompt(request, provider)}]
    else:
        system = [m.content for m in request.messages if m.role == "system"]
        turns = [{"role": m.role, "content": m.content} for m in request.messages if m.role != "system"]
    body: dict[str, Any] = {**request.extra, "messages": turns, "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS}
    if system:
        body["system"] = "\n".join(system)
    return {**body, **sampling(request, None, "stop_sequences")}  # max_tokens is always sent (above)


def translate_messages(request: StandardRequest, target: Target, body: dict[str, Any]) -> dict[str, Any]:
    """The standard response for a Messages API answer."""
    text = "".join(str(b.get("text", "")) for b in body.get("content") or [] if b.get("type") == "text")
    use = body.get("usage") or {}
    prompt_tokens = int(use.get("input_tokens") or responses.estimate_tokens(request.prompt_text))
    completion_tokens = int(use.get("output_tokens") or responses.estimate_tokens(text))
    return responses.generation(
        request.task,
        str(body.get("id") or ""),
        int(time.time()),
        str(body.get("model") or target.model),
        [responses.Choice(text, _finish(body.get("stop_reason")))],
        prompt_tokens,
        completion_tokens,
    )


@dataclass
class AnthropicStream(ChunkStream):
    def feed(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        kind = event.get("type")
        if kind == "message_start":
            message = event.get("message") or {}
            self._id = str(message.get("id") or "")
            self.prompt_tokens = int((message.get("usage") or {}).get("input_tokens") or self.prompt_tokens)
            return [self._chunk(0, "", None, "assistant")] if self.request.task != COMPLETIONS else []
        if kind == "content_block_delta":
            text = str((event.get("delta") or {}).get("text") or "")
            if not text:
                return []
            self.completion_tokens += 1
            return [self._chunk(0, text, None)]
        if kind == "message_stop":
            self.done = True
        if kind == "message_delta":
            self.done = True
            self.completion_tokens = int((event.get("usage") or {}).get("output_tokens") or self.completion_tokens)
            return [self._chunk(0, None, _finish((event.get("delta") or {}).get("stop_reason")))]
        return []
