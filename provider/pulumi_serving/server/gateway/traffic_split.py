"""Traffic split across served entities: smooth weighted round robin over ``traffic_config`` percentages.

Deterministic and exact: over any 100 consecutive calls each entity gets exactly its percentage, and
the picks are interleaved rather than in runs. Fallback order: the picked entity, then every other
served entity in config order (including 0% ones, which exist only as fallbacks).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence


class WeightedRoundRobin:
    def __init__(self, weights: Sequence[tuple[str, int]]):
        self._weights = [(name, w) for name, w in weights if w > 0]
        self._current = {name: 0 for name, _ in self._weights}
        self._total = sum(w for _, w in self._weights)
        self._lock = threading.Lock()

    def pick(self) -> str | None:
        if not self._weights:
            return None
        with self._lock:
            for name, weight in self._weights:
                self._current[name] += weight
            best = max(self._weights, key=lambda item: self._current[item[0]])[0]
            self._current[best] -= self._total
            return best


class Router:
    """One round robin per (endpoint, routes) so a config change starts a fresh split."""

    def __init__(self) -> None:
        self._by_endpoint: dict[str, tuple[tuple[tuple[str, int], ...], WeightedRoundRobin]] = {}
        self._lock = threading.Lock()

    def order(self, endpoint: str, routes: Sequence[tuple[str, int]], entities: Sequence[str]) -> list[str]:
        """Entities to try for one call: the traffic pick first, then the others in config order."""
        key = tuple(routes)
        with self._lock:
            current = self._by_endpoint.get(endpoint)
            if current is None or current[0] != key:
                current = self._by_endpoint[endpoint] = (key, WeightedRoundRobin(key))
        first = current[1].pick() or (entities[0] if entities else None)
        if first is None:
            return []
        return [first] + [name for name in entities if name != first]
