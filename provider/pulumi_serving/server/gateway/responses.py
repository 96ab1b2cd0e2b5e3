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
