"""Usage tracking: requests and tokens per (endpoint id, principal), counted in memory on the hot path and
added to the server's database (:class:`~..usage_store.UsageStore`) by :meth:`UsageLedger.flush`, which the
gateway runs every FLUSH_INTERVAL_S and at shutdown. Reads see the stored rows plus what is not flushed yet."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Protocol

FLUSH_INTERVAL_S = 1.0
Counts = tuple[int, int, int, int]  # requests, errors, prompt_tokens, completion_tokens


class Store(Protocol):
    def add(self, deltas: Mapping[tuple[str, str], Counts]) -> None: ...

    def rows(self, endpoint_id: str) -> dict[str, Counts]: ...


class MemoryStore:
    """A store that keeps rows in memory (tests and gateways without a database)."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], Counts] = {}

    def add(self, deltas: Mapping[tuple[str, str], Counts]) -> None:
        for key, delta in deltas.items():
            old = self._rows.get(key, (0, 0, 0, 0))
            self._rows[key] = (old[0] + delta[0], old[1] + delta[1], old[2] + delta[2], old[3] + delta[3])

    def rows(self, endpoint_id: str) -> dict[str, Counts]:
        return {p: c for (e, p), c in self._rows.items() if e == endpoint_id}


class UsageLedger:
    def __init__(self, store: Store | None = None) -> None:
        self._store = store or MemoryStore()
        self._pending: dict[tuple[str, str], list[int]] = {}
        self._lock = threading.Lock()

    def record(self, endpoint_id: str, principal: str, prompt_tokens: int, completion_tokens: int, ok: bool) -> None:
        with self._lock:
            row = self._pending.get((endpoint_id, principal))
            if row is None:
                row = self._pending[(endpoint_id, principal)] = [0, 0, 0, 0]
            row[0] += 1
            row[1] += 0 if ok else 1
            row[2] += prompt_tokens
            row[3] += completion_tokens

    def flush(self) -> None:
        """Add the pending counts to the store (kept pending if the store refuses them, e.g. a full disk)."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return
        try:
            self._store.add({key: (c[0], c[1], c[2], c[3]) for key, c in pending.items()})
        except Exception:
            with self._lock:
                for key, counts in pending.items():
                    row = self._pending.setdefault(key, [0, 0, 0, 0])
                    for i in range(4):
                        row[i] += counts[i]
            raise

    def rows(self, endpoint_id: str, principal: str | None = None) -> list[dict[str, Any]]:
        """Rows of ``endpoint_id`` sorted by principal (only ``principal``'s when given)."""
        counts = dict(self._store.rows(endpoint_id))
        with self._lock:
            for (e, p), c in self._pending.items():
                if e == endpoint_id:
                    old = counts.get(p, (0, 0, 0, 0))
                    counts[p] = (old[0] + c[0], old[1] + c[1], old[2] + c[2], old[3] + c[3])
        return as_rows({p: c for p, c in counts.items() if principal in (None, p)})


def as_rows(counts: Mapping[str, Counts]) -> list[dict[str, Any]]:
    """The usage API's rows, sorted by principal."""
    return [
        {
            "principal": principal,
            "requests": c[0],
            "errors": c[1],
            "prompt_tokens": c[2],
            "completion_tokens": c[3],
            "total_tokens": c[2] + c[3],
        }
        for principal, c in sorted(counts.items())
    ]
