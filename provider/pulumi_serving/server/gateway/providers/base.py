"""The adapter interface: pure translations between the standard query and one provider's wire format."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ....payloads.providers.provider import Target
from ...errors import InvalidParameterValue
from .. import responses
from ..request import CHAT, StandardRequest


@dataclass(frozen=True)
class UpstreamCall:
    """One upstream POST: ``json`` is sent as the body unless ``content`` (already serialised, e.g. signed)
    is given."""

    url: str
    headers: dict[str, str] = field(repr=False)
    json: dict[str, Any] = field(repr=False)
    params: dict[str, str] = field(default_factory=dict)
    content: bytes | None = field(default=None, repr=False)


class StreamTranslator(Protocol):
    """Stateful per stream: turns each upstream event into standard chunks and keeps a token count;
    ``done`` once the upstream sent its last event (a stream ending before that is broken)."""

    prompt_tokens: int
    completion_tokens: int
    done: bool

    def feed(self, event: dict[str, Any]) -> list[dict[str, Any]]: ...


@dataclass
class ChunkStream:
    """Base of the translators that build the standard chunks themselves: the prompt is estimated until the
    upstream counts it; every chunk carries the stream's id (``_id``), creation time and the target's model."""

    request: StandardRequest
    target: Target
    prompt_tokens: int = 0
    completion_tokens: int = 0
    done: bool = False
    _id: str = ""
    _created: int = 0
    _started: bool = False

    def __post_init__(self) -> None:
        self.prompt_tokens = responses.estimate_tokens(self.request.prompt_text)
        self._created = int(time.time())

    def _chunk(self, index: int, text: str | None, finish: str | None, role: str | None = None) -> dict[str, Any]:
        return responses.chunk(self.request.task, self._id, self._created, self.target.model, index, text, finish, role)

    def _opening_role(self) -> str | None:
        """``assistant`` the first time in a chat stream (its first chunk names the role), else None."""
        if self.request.task != CHAT or self._started:
            return None
        self._started = True
        return "assistant"


Framing = Literal["sse", "ndjson", "eventstream"]


class ProviderAdapter(Protocol):
    """``translate`` and a translator's ``feed`` may assume the provider's shape: the gateway turns any
    TypeError, KeyError, AttributeError, ValueError or IndexError they raise into a 502."""

    name: str
    stream_format: Framing

    def build(self, request: StandardRequest, target: Target) -> UpstreamCall:
        """The upstream HTTP call for ``request``; raise InvalidParameterValue for unsupported options."""

    def translate(self, request: StandardRequest, target: Target, body: dict[str, Any]) -> dict[str, Any]:
        """The standard response for the upstream's JSON answer."""

    def stream(self, request: StandardRequest, target: Target) -> StreamTranslator:
        """A translator for the upstream's stream events."""


def only_one_choice(request: StandardRequest, provider: str) -> None:
    if request.n != 1:
        raise InvalidParameterValue(f"n: must be 1 for provider {provider} (got {request.n})")


def only_one_prompt(request: StandardRequest, provider: str) -> str:
    if len(request.prompts) != 1:
        raise InvalidParameterValue(f"prompt: provider {provider} takes a single prompt string, not a list")
    return request.prompts[0]


def sampling(request: StandardRequest, max_tokens: str | None, stop: str) -> dict[str, Any]:
    """The sampling options set in ``request`` under a provider's own keys (``max_tokens=None``: not applied), for
    the providers whose temperature runs 0-1: the standard 0-2 is halved."""
    options: dict[str, Any] = {}
    if max_tokens and request.max_tokens is not None:
        options[max_tokens] = request.max_tokens
    if request.temperature is not None:
        options["temperature"] = request.temperature / 2
    if request.stop:
        options[stop] = list(request.stop)
    return options


def upstream_error_message(body: Any) -> str:
    """The human message of a provider error body (OpenAI/Anthropic ``error.message``, Cohere ``message``)."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        for value in (body.get("message"), error, body.get("error_description")):
            if isinstance(value, str):
                return value
    return str(body)[:500] if body else "no error message"
