"""Cohere v1: ``/generate`` (completions), ``/chat`` (chat), ``/embed`` (embeddings); NDJSON streams."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .. import responses
from ..request import CHAT, COMPLETIONS, EMBEDDINGS, StandardRequest
from .base import ChunkStream, Framing, Target, UpstreamCall, only_one_choice, only_one_prompt

_PATHS = {COMPLETIONS: "generate", CHAT: "chat", EMBEDDINGS: "embed"}
_ROLES = {"user": "USER", "assistant": "CHATBOT", "system": "SYSTEM"}
_FINISH = {"COMPLETE": "stop", "MAX_TOKENS": "length", "STOP_SEQUENCE": "stop"}


def _finish(reason: Any) -> str | None:
    return _FINISH.get(reason, str(reason).lower()) if reason else None


def _billed(body: dict[str, Any]) -> dict[str, Any]:
    return ((body.get("meta") or {}).get("billed_units")) or {}


class CohereAdapter:
    name = "cohere"
    stream_format: Framing = "ndjson"

    def build(self, request: StandardRequest, target: Target) -> UpstreamCall:
        body: dict[str, Any] = {"model": target.model}
        if request.task == EMBEDDINGS:
            body["texts"] = list(request.inputs)
            body.setdefault("input_type", "search_document")
        elif request.task == COMPLETIONS:
            body["prompt"] = only_one_prompt(request, self.name)
            if request.n != 1:
                body["num_generations"] = request.n
        else:
            only_one_choice(request, self.name)
            *history, last = request.messages
            preamble = [m.content for m in history if m.role == "system"]
            body["message"] = last.content
            body["chat_history"] = [
                {"role": _ROLES[m.role], "message": m.content} for m in history if m.role != "system"
            ]
            if preamble:
                body["preamble"] = "\n".join(preamble)
        if request.task != EMBEDDINGS:
            for name in ("max_tokens", "temperature"):
                if getattr(request, name) is not None:
                    body[name] = getattr(request, name)
            if request.stop:
                body["stop_sequences"] = list(request.stop)
            if request.stream:
                body["stream"] = True
        headers = {"Authorization": f"Bearer {target.credential}"}
        return UpstreamCall(f"{target.base_url.rstrip('/')}/{_PATHS[request.task]}", headers, {**request.extra, **body})

    def translate(self, request: StandardRequest, target: Target, body: dict[str, Any]) -> dict[str, Any]:
        billed = _billed(body)
        prompt_tokens = int(billed.get("input_tokens") or responses.estimate_tokens(request.prompt_text))
        if request.task == EMBEDDINGS:
            return responses.embeddings(target.model, [list(v) for v in body.get("embeddings") or []], prompt_tokens)
        if request.task == COMPLETIONS:
            choices = [
                responses.Choice(str(g.get("text") or ""), _finish(g.get("finish_reason")))
                for g in body.get("generations") or []
            ]
            ident = str(body.get("id") or "")
        else:
            choices = [responses.Choice(str(body.get("text") or ""), _finish(body.get("finish_reason")))]
            ident = str(body.get("response_id") or body.get("generation_id") or "")
        completion_tokens = int(billed.get("output_tokens") or sum(responses.estimate_tokens(c.text) for c in choices))
        return responses.generation(
            request.task, ident, int(time.time()), target.model, choices, prompt_tokens, completion_tokens
        )

    def stream(self, request: StandardRequest, target: Target) -> CohereStream:
        return CohereStream(request, target)


@dataclass
class CohereStream(ChunkStream):
    def feed(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        if role := self._opening_role():
            out.append(self._chunk(0, "", None, role))
        if event.get("is_finished"):
            self.done = True
            response = event.get("response") or {}
            billed = _billed(response)
            self.prompt_tokens = int(billed.get("input_tokens") or self.prompt_tokens)
            self.completion_tokens = int(billed.get("output_tokens") or self.completion_tokens)
            indexes = range(len(response.get("generations") or [None]))
            return out + [self._chunk(i, None, _finish(event.get("finish_reason"))) for i in indexes]
        text = event.get("text")
        if text and event.get("event_type", "text-generation") == "text-generation":
            self.completion_tokens += 1
            out.append(self._chunk(int(event.get("index") or 0), str(text), None))
        return out
