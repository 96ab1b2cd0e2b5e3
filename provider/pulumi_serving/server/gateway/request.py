"""The standard Databricks query (docs/databricks-api.md#invocations): validated per task into one typed value (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...payloads.base import invalid_text_path
from ...payloads.server_behaviour import CHAT, COMPLETIONS, EMBEDDINGS
from ..errors import InvalidParameterValue, MalformedRequest
from . import fast_json

_FIELDS_BY_TASK = {
    COMPLETIONS: {"prompt", "max_tokens", "temperature", "n", "stop", "stream"},
    CHAT: {"messages", "max_tokens", "temperature", "n", "stop", "stream"},
    EMBEDDINGS: {"input"},
}
_ALL_TASK_FIELDS = set().union(*_FIELDS_BY_TASK.values())
_METADATA_FIELDS = {"extra_params", "client_request_id", "usage_context"}
_CUSTOM_MODEL_FIELDS = {"dataframe_records", "dataframe_split", "instances", "inputs"}
_ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class Message:
    role: str
    content: str


@dataclass(frozen=True)
class StandardRequest:
    """One validated query. ``extra`` holds provider pass-through parameters (``extra_params`` and unknown
    top-level sampling fields such as ``top_p``)."""

    task: str
    prompts: tuple[str, ...] = ()
    messages: tuple[Message, ...] = ()
    inputs: tuple[str, ...] = ()
    max_tokens: int | None = None
    temperature: float | None = None
    n: int = 1
    stop: tuple[str, ...] = ()
    stream: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    usage_context: dict[str, str] = field(default_factory=dict)

    @property
    def prompt_text(self) -> str:
        """All input text joined, for token estimates; never logged."""
        return "\n".join(self.prompts or tuple(m.content for m in self.messages) or self.inputs)


def decode_body(raw: bytes) -> Any:
    """The JSON value of a request body (``{}`` when empty); MalformedRequest when it is not JSON, not UTF-8
    text, or nested deeper than the decoder's recursion limit."""
    try:
        return fast_json.loads(raw or b"{}")
    except RecursionError:
        raise MalformedRequest("Malformed JSON in request body: nested too deeply") from None
    except ValueError as err:
        raise MalformedRequest(f"Malformed JSON in request body: {err}") from None


def _bad(field_name: str, reason: str) -> InvalidParameterValue:
    return InvalidParameterValue(f"{field_name}: {reason}")


def _text(value: str | list[str], name: str) -> None:
    """Text sent upstream must be encodable as UTF-8 (a lone surrogate escape such as "\\ud800" is not)."""
    path = invalid_text_path(value, name)
    if path is not None:
        raise _bad(path, "text is not valid Unicode (lone surrogate escape)")


def _strings(value: Any, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        _text(value, name)
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        _text(value, name)
        return tuple(value)
    raise _bad(name, "must be a string or a non-empty list of strings")


def _int(body: dict[str, Any], name: str, low: int, high: int | None) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise _bad(name, f"must be an integer {bound} (got {value!r})")
    return value


def _messages(value: Any) -> tuple[Message, ...]:
    if not isinstance(value, list) or not value:
        raise _bad("messages", "must be a non-empty list of {role, content} objects")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise _bad(f"messages[{i}]", "must be an object with role and content")
        role, content = item.get("role"), item.get("content")
        if role not in _ROLES:
            raise _bad(f"messages[{i}].role", f"must be one of {', '.join(_ROLES)} (got {role!r})")
        if not isinstance(content, str):
            raise _bad(f"messages[{i}].content", "must be a string")
        _text(content, f"messages[{i}].content")
        out.append(Message(role, content))
    return tuple(out)


def parse_request(task: str, body: Any) -> StandardRequest:
    """Validate ``body`` for an endpoint serving ``task``; raise InvalidParameterValue naming the field."""
    if not isinstance(body, dict):
        raise InvalidParameterValue("request body must be a JSON object")
    allowed = _FIELDS_BY_TASK[task]
    for name in body:
        if name in _CUSTOM_MODEL_FIELDS:
            raise _bad(name, f"is for custom models; this endpoint serves {task}")
        if name in _ALL_TASK_FIELDS and name not in allowed:
            raise _bad(name, f"is not a field of {task} requests (allowed: {', '.join(sorted(allowed))})")
    extra = body.get("extra_params") or {}
    if not isinstance(extra, dict):
        raise _bad("extra_params", "must be an object")
    usage_context = body.get("usage_context") or {}
    if not isinstance(usage_context, dict):
        raise _bad("usage_context", "must be an object")
    passthrough = {k: v for k, v in body.items() if k not in _ALL_TASK_FIELDS | _METADATA_FIELDS}
    values: dict[str, Any] = {"task": task, "extra": {**passthrough, **extra}, "usage_context": usage_context}
    if task == COMPLETIONS:
        if "prompt" not in body:
            raise _bad("prompt", f"is required for {COMPLETIONS}")
        values["prompts"] = _strings(body["prompt"], "prompt")
    elif task == CHAT:
        values["messages"] = _messages(body.get("messages"))
    else:
        if "input" not in body:
            raise _bad("input", f"is required for {EMBEDDINGS}")
        values["inputs"] = _strings(body["input"], "input")
        return StandardRequest(**values)
    temperature = body.get("temperature")
    if temperature is not None:
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 <= temperature <= 2:
            raise _bad("temperature", f"must be a number between 0.0 and 2.0 (got {temperature!r})")
        values["temperature"] = float(temperature)
    values["max_tokens"] = _int(body, "max_tokens", 1, None)
    values["n"] = _int(body, "n", 1, 5) or 1
    if body.get("stop") is not None:
        values["stop"] = _strings(body["stop"], "stop")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise _bad("stream", "must be true or false")
    values["stream"] = stream
    return StandardRequest(**values)
