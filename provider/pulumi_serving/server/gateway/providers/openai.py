"""OpenAI wire format: OpenAI itself, Azure OpenAI (deployment path, api-version, api-key or Entra token)
and custom OpenAI-compatible providers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .. import responses
from ..request import CHAT, COMPLETIONS, EMBEDDINGS, StandardRequest
from .base import Framing, Target, UpstreamCall

OPERATION_PATHS = {COMPLETIONS: "completions", CHAT: "chat/completions", EMBEDDINGS: "embeddings"}


def openai_body(request: StandardRequest, model: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model} if model else {}
    if request.task == EMBEDDINGS:
        body["input"] = list(request.inputs) if len(request.inputs) > 1 else request.inputs[0]
    else:
        if request.task == COMPLETIONS:
            body["prompt"] = request.prompts[0] if len(request.prompts) == 1 else list(request.prompts)
        else:
            body["messages"] = [{"role": m.role, "content": m.content} for m in request.messages]
        for name in ("max_tokens", "temperature"):
            if getattr(request, name) is not None:
                body[name] = getattr(request, name)
        if request.n != 1:
            body["n"] = request.n
        if request.stop:
            body["stop"] = list(request.stop)
        if request.stream:
            body["stream"] = True
    return {**request.extra, **body}


def _text_of(task: str, choice: dict[str, Any]) -> str:
    if task == CHAT:
        return str((choice.get("message") or {}).get("content") or "")
    return str(choice.get("text") or "")


def _non_empty_list(value: Any) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise ValueError("expected a non-empty list")
    return value


def translate_openai(request: StandardRequest, target: Target, body: dict[str, Any]) -> dict[str, Any]:
    model = str(body.get("model") or target.model)
    use = body.get("usage") or {}
    if request.task == EMBEDDINGS:
        items = sorted(_non_empty_list(body.get("data")), key=lambda d: d.get("index", 0))
        tokens = int(use.get("prompt_tokens") or responses.estimate_tokens(request.prompt_text))
        return responses.embeddings(model, [list(d.get("embedding") or []) for d in items], tokens)
    choices = sorted(_non_empty_list(body.get("choices")), key=lambda c: c.get("index", 0))
    parsed = [responses.Choice(_text_of(request.task, c), c.get("finish_reason")) for c in choices]
    prompt_tokens = int(use.get("prompt_tokens") or responses.estimate_tokens(request.prompt_text))
    completion_tokens = int(use.get("completion_tokens") or sum(responses.estimate_tokens(c.text) for c in parsed))
    return responses.generation(
        request.task,
        str(body.get("id") or ""),
        int(body.get("created") or time.time()),
        model,
        parsed,
        prompt_tokens,
        completion_tokens,
    )


@dataclass
class OpenAIStream:
    """Re-labels OpenAI chunks in the standard chunk shapes and counts tokens."""

    request: StandardRequest
    target: Target
    prompt_tokens: int = 0
    completion_tokens: int = 0
    done: bool = False
    _pieces: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        self.prompt_tokens = responses.estimate_tokens(self.request.prompt_text)

    def feed(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        use = event.get("usage")
        if isinstance(use, dict):
            self.prompt_tokens = int(use.get("prompt_tokens") or self.prompt_tokens)
            self.completion_tokens = int(use.get("completion_tokens") or self.completion_tokens)
        out = []
        ident, created = str(event.get("id") or ""), int(event.get("created") or time.time())
        model = str(event.get("model") or self.target.model)
        for choice in event.get("choices") or []:
            if self.request.task == CHAT:
                delta = choice.get("delta") or {}
                text, role = delta.get("content"), delta.get("role")
            else:
                text, role = choice.get("text"), None
            if text:
                self._pieces += 1
                if not isinstance(use, dict):
                    self.completion_tokens = self._pieces
            if choice.get("finish_reason"):
                self.done = True
            out.append(
                responses.chunk(
                    self.request.task,
                    ident,
                    created,
                    model,
                    int(choice.get("index") or 0),
                    text,
                    choice.get("finish_reason"),
                    role,
                )
            )
        return out


class _OpenAIWire:
    stream_format: Framing = "sse"

    def translate(self, request: StandardRequest, target: Target, body: dict[str, Any]) -> dict[str, Any]:
        return translate_openai(request, target, body)

    def stream(self, request: StandardRequest, target: Target) -> OpenAIStream:
        return OpenAIStream(request, target)


class OpenAIAdapter(_OpenAIWire):
    name = "openai"

    def build(self, request: StandardRequest, target: Target) -> UpstreamCall:
        headers = {"Authorization": f"Bearer {target.credential}"}
        if target.options.get("organization"):
            headers["OpenAI-Organization"] = target.options["organization"]
        url = f"{target.base_url.rstrip('/')}/{OPERATION_PATHS[request.task]}"
        return UpstreamCall(url, headers, openai_body(request, target.model))


class AzureOpenAIAdapter(_OpenAIWire):
    """``options``: ``deployment``, ``api_version``, ``api_type`` (azure: api-key header; azuread: bearer)."""

    name = "azure"

    def build(self, request: StandardRequest, target: Target) -> UpstreamCall:
        if target.options.get("api_type") == "azuread":
            headers = {"Authorization": f"Bearer {target.credential}"}
        else:
            headers = {"api-key": target.credential}
        url = (
            f"{target.base_url.rstrip('/')}/openai/deployments/{target.options['deployment']}/"
            f"{OPERATION_PATHS[request.task]}"
        )
        return UpstreamCall(url, headers, openai_body(request, None), {"api-version": target.options["api_version"]})


class CustomAdapter(_OpenAIWire):
    """OpenAI-compatible service at ``custom_provider_url`` (the operation path is appended unless present).
    ``options["auth_header"]`` names the api-key header; without it the credential is a bearer token."""

    name = "custom"

    def build(self, request: StandardRequest, target: Target) -> UpstreamCall:
        operation = OPERATION_PATHS[request.task]
        url = target.base_url.rstrip("/")
        if not url.endswith("/" + operation):
            url = f"{url}/{operation}"
        header = target.options.get("auth_header")
        headers = {}
        if target.credential:
            headers = {header: target.credential} if header else {"Authorization": f"Bearer {target.credential}"}
        return UpstreamCall(url, headers, openai_body(request, target.model))
