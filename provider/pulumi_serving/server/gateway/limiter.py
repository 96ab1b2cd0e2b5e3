"""Fixed-window rate limiter (pure logic, injected clock; one instance per server process).

Windows are aligned to the clock's minute, so in any one window exactly ``calls`` requests pass and the
next is refused. A request must satisfy every :data:`Requirement`; a requirement is satisfied by any one
of its alternatives (a user in several groups passes while one group still has room), and an alternative
passes when each of its buckets has room. Checking and counting happen under one lock, so concurrent
requests can never overshoot. Token limits are charged after the answer (its size is known only then):
a bucket refuses once the tokens counted in the window reach its limit. A limit of 0 always refuses.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

WINDOW_S = 60.0
_PRUNE_ABOVE = 10_000


@dataclass(frozen=True)
class Bucket:
    """One counter: ``key`` identifies it (endpoint, rule, principal); either limit may be absent."""

    key: Hashable
    calls: int | None = None
    tokens: int | None = None
    label: str = ""


Alternative = Sequence[Bucket]
Requirement = Sequence[Alternative]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_s: int = 0
    refused_by: str = ""
    charged: tuple[Hashable, ...] = ()


class _Count:
    __slots__ = ("calls", "tokens", "window")

    def __init__(self, window: int):
        self.window, self.calls, self.tokens = window, 0, 0


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.time, window_s: float = WINDOW_S):
        self._clock = clock
        self._window_s = window_s
        self._counts: dict[Hashable, _Count] = {}
        self._lock = threading.Lock()

    def _count(self, key: Hashable, window: int) -> _Count:
        count = self._counts.get(key)
        if count is None or count.window != window:
            count = self._counts[key] = _Count(window)
        return count

    def _has_room(self, bucket: Bucket, window: int) -> bool:
        count = self._count(bucket.key, window)
        if bucket.calls is not None and count.calls >= bucket.calls:
            return False
        return bucket.tokens is None or count.tokens < bucket.tokens

    def acquire(self, requirements: Sequence[Requirement]) -> Decision:
        """Count one call against every requirement, or refuse without counting anything."""
        now = self._clock()
        window = math.floor(now / self._window_s)
        with self._lock:
            chosen: list[Bucket] = []
            for requirement in requirements:
                passing = next((alt for alt in requirement if all(self._has_room(b, window) for b in alt)), None)
                if passing is None:
                    retry = max(1, math.ceil((window + 1) * self._window_s - now))
                    label = next((b.label for alt in requirement for b in alt if b.label), "rate limit")
                    return Decision(False, retry, label)
                chosen.extend(passing)
            for bucket in chosen:
                self._count(bucket.key, window).calls += 1
            if len(self._counts) > _PRUNE_ABOVE:
                self._counts = {k: c for k, c in self._counts.items() if c.window == window}
            return Decision(True, charged=tuple(b.key for b in chosen))

    def charge_tokens(self, keys: Sequence[Hashable], tokens: int) -> None:
        """Add the tokens of a finished call to the buckets it was admitted by (in the current window)."""
        if tokens <= 0 or not keys:
            return
        window = math.floor(self._clock() / self._window_s)
        with self._lock:
            for key in keys:
                self._count(key, window).tokens += tokens
