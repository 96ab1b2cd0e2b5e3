"""Builders of the standard response and stream-chunk shapes (docs/databricks-api.md#responses), shared by adapters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .request import CHAT, COMPLETIONS


@dataclass(frozen=True)
class Choice:
    text: str
    finish_reason: str | None


def usage(prompt_tokens: int, completion_tokens: int | None) -> dict[str, int]:
    out = {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens + (completion_tokens or 0)}
    if completion_tokens is not None:
        out["completion_tokens"] = completion_tokens
    return out


def generation(
    task: str, ident: str, created: int, model: str, choices: list[Choice], prompt_tokens: int, completion_tokens: int
) -> dict[str, Any]:
    """A completions or chat response."""
    items: list[dict[str, Any]]
    if task == COMPLETIONS:
        items = [
            {"index": i, "text": c.text, "finish_reason": c.finish_reason, "logprobs": None}
            for i, c in enumerate(choices)
        ]
        kind = "text_completion"
    else:
        items = [
            {"index": i, "message": {"role": "assistant", "content": c.text}, "finish_reason": c.finish_reason}
            for i, c in enumerate(choices)
        ]
        kind = "chat.completion"
    return {
        "id": ident,
        "object": kind,
        "created": created,
        "model": model,
        "choices": items,
        "usage": usage(prompt_tokens, completion_tokens),
    }


def embeddings(model: str, vectors: list[list[float]], prompt_tokens: int) -> dict[str, Any]:
    return {
        "object": "list",
        "model": model,
        "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)],
        "usage": usage(prompt_tokens, None),
    }


def chunk(
    task: str,
    ident: str,
    created: int,
    model: str,
    index: int,
    text: str | None,
    finish_reason: str | None,
    role: str | None = None,
) -> dict[str, Any]:
    """One stream chunk: ``text_completion_chunk`` or ``chat.completion.chunk``."""
    if task == CHAT:
        delta: dict[str, Any] = {}
        if role:
            delta["role"] = role
        if text is not None:
            delta["content"] = text
        choice: dict[str, Any] = {"index": index, "delta": delta, "finish_reason": finish_reason}
        kind = "chat.completion.chunk"
    else:
        choice = {"index": index, "text": text or "", "finish_reason": finish_reason}
        kind = "text_completion_chunk"
    return {"id": ident, "object": kind, "created": created, "model": model, "choices": [choice]}


def estimate_tokens(text: str) -> int:
    """Token estimate when a provider reports none (whitespace words; at least 1 for non-empty text)."""
    return max(1, len(text.split())) if text else 0


# What the gateway passes on: an answer or chunk an adapter built from an upstream's values is checked against the
# standard shapes before it leaves (every number a count a JSON client reads exactly, every text valid Unicode).
MAX_COUNT = 2**53 - 1  # the largest integer every JSON client (JavaScript's included) reads exactly


def count_problem(value: Any, path: str) -> str | None:
    """Why ``value`` is not a count (an integer from 0 to MAX_COUNT), or None."""
    if not isinstance(value, int) or isinstance(value, bool):
        return f"{path} is not an integer"
    return None if 0 <= value <= MAX_COUNT else f"{path} is out of range"


def _text_problem(value: Any, path: str, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        return f"{path} is not text"
    try:
        value.encode()
    except UnicodeEncodeError:
        return f"{path} is not valid Unicode"
    return None


def _first(problems: list[str | None]) -> str | None:
    return next(filter(None, problems), None)


def _usage_problem(use: Any) -> str | None:
    if not isinstance(use, dict):
        return "usage is not an object"
    return _first([count_problem(value, f"usage.{name}") for name, value in use.items()])


def _vector_problem(vector: Any, path: str) -> str | None:
    if not isinstance(vector, list):
        return f"{path} is not a list"
    finite = all(
        isinstance(x, int | float) and not isinstance(x, bool) and x == x and abs(x) != float("inf") for x in vector
    )
    return None if finite else f"{path} holds a value that is not a finite number"


def _choice_problem(choice: Any, path: str) -> str | None:
    if not isinstance(choice, dict):
        return f"{path} is not an object"
    problems = [count_problem(choice.get("index"), f"{path}.index")]
    problems.append(_text_problem(choice.get("finish_reason"), f"{path}.finish_reason", optional=True))
    for key in ("message", "delta"):
        if key in choice:
            part = choice[key]
            if not isinstance(part, dict):
                return f"{path}.{key} is not an object"
            problems += [_text_problem(part.get(k), f"{path}.{key}.{k}", optional=True) for k in ("role", "content")]
    if "text" in choice:
        problems.append(_text_problem(choice["text"], f"{path}.text"))
    return _first(problems)


def answer_problem(answer: Any) -> str | None:
    """Why ``answer`` is not a standard completions, chat or embeddings response the gateway may pass on, or None."""
    if not isinstance(answer, dict):
        return "the answer is not an object"
    problems = [_text_problem(answer.get("model"), "model"), _usage_problem(answer.get("usage"))]
    if answer.get("object") == "list":
        items = answer.get("data")
        if not isinstance(items, list):
            return "data is not a list"
        problems += [_vector_problem(item.get("embedding"), f"data[{i}].embedding") for i, item in enumerate(items)]
    else:
        problems += [_text_problem(answer.get("id"), "id"), count_problem(answer.get("created"), "created")]
        problems += [_choice_problem(c, f"choices[{i}]") for i, c in enumerate(answer.get("choices") or [])]
    return _first(problems)


def chunk_problem(item: Any) -> str | None:
    """Why ``item`` is not a standard stream chunk the gateway may pass on, or None."""
    if not isinstance(item, dict):
        return "a chunk is not an object"
    problems = [_text_problem(item.get("id"), "id"), count_problem(item.get("created"), "created")]
    problems.append(_text_problem(item.get("model"), "model"))
    choices = item.get("choices")
    if not isinstance(choices, list):
        return "choices is not a list"
    return _first(problems + [_choice_problem(c, f"choices[{i}]") for i, c in enumerate(choices)])
