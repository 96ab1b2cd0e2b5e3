"""Deterministic answers: pure functions of provider, model, prompt and choice index (no I/O, no randomness)."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

_WORDS = (
    "serving",
    "models",
    "gateway",
    "latency",
    "tokens",
    "endpoint",
    "route",
    "traffic",
    "secret",
    "scope",
    "limit",
    "window",
    "stream",
    "answer",
    "prompt",
    "vector",
    "cluster",
    "table",
    "pipeline",
    "budget",
    "replica",
    "shard",
    "cache",
    "queue",
    "batch",
    "signal",
    "schema",
    "policy",
    "engine",
    "tensor",
    "kernel",
    "metric",
    "record",
    "region",
    "config",
    "version",
    "deploy",
    "review",
    "commit",
    "branch",
    "channel",
    "buffer",
    "socket",
    "packet",
    "thread",
    "worker",
    "lambda",
    "ledger",
    "matrix",
    "orbit",
    "prism",
    "quartz",
    "river",
    "summit",
    "timber",
    "umbra",
    "vertex",
    "willow",
    "xenon",
    "yield",
    "zenith",
    "anchor",
    "beacon",
    "compass",
)

DEFAULT_ANSWER_WORDS = 12
EMBEDDING_DIMENSIONS = 8


@dataclass(frozen=True)
class Answer:
    """One generated choice: its text split in words, token counts and why it stopped."""

    words: tuple[str, ...]
    prompt_tokens: int
    finish_reason: str  # "stop" (natural end or stop sequence) or "length" (max_tokens reached)

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def completion_tokens(self) -> int:
        return len(self.words)


def count_tokens(text: str) -> int:
    """The fake's tokenizer: whitespace-separated words, at least one per non-empty text."""
    return max(1, len(text.split())) if text else 0


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode()).digest()


def generate(
    provider: str,
    model: str,
    prompt: str,
    index: int = 0,
    max_tokens: int | None = None,
    stop: tuple[str, ...] = (),
) -> Answer:
    """The answer ``provider``/``model`` gives to ``prompt`` (choice ``index``).

    The first two words name the provider and model, so answers of different endpoints differ visibly.
    """
    digest = _digest(provider, model, prompt, str(index))
    words = [f"[{provider}/{model}]"] + [_WORDS[b % len(_WORDS)] for b in digest[: DEFAULT_ANSWER_WORDS - 1]]
    finish = "stop"
    for i, word in enumerate(words):
        if word in stop:
            words = words[:i]
            break
    if max_tokens is not None and len(words) > max_tokens:
        words, finish = words[:max_tokens], "length"
    return Answer(tuple(words), count_tokens(prompt), finish)


def embed(provider: str, model: str, text: str, dimensions: int = EMBEDDING_DIMENSIONS) -> list[float]:
    """A unit-length vector derived from the text; equal inputs give equal vectors."""
    digest = _digest("embed", provider, model, text)
    raw = [(digest[i] - 127.5) / 127.5 for i in range(dimensions)]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [round(x / norm, 6) for x in raw]


def stream_pieces(answer: Answer) -> list[str]:
    """The text of ``answer`` cut in stream deltas, one word each (leading space after the first)."""
    return [w if i == 0 else " " + w for i, w in enumerate(answer.words)]
