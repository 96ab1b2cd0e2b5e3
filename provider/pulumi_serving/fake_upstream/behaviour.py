"""Switches of a fake upstream (latency, injected errors and 429s) and the log of what it received.

Faults follow a deterministic schedule: with ``fail_rate`` r, request number i fails exactly when
floor(i*r) > floor((i-1)*r), so r=0.25 fails every 4th request and r=1 every request. A model named
``fail-<status>`` (e.g. ``fail-503``) always answers that status, whatever the switches say.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_RECORDS = 2000


@dataclass(frozen=True)
class Fault:
    status: int
    reason: str


@dataclass(frozen=True)
class RequestRecord:
    """What the fake saw of one request: never the prompt, and the credential only as a SHA-256 hex digest."""

    provider: str
    operation: str
    model: str
    key_sha256: str | None
    stream: bool
    status: int


def hash_credential(value: str | None) -> str | None:
    return hashlib.sha256(value.encode()).hexdigest() if value else None


def _scheduled(count: int, rate: float) -> bool:
    return rate > 0 and math.floor(count * rate) > math.floor((count - 1) * rate)


def model_fault(model: str) -> Fault | None:
    """The fault forced by a ``fail-<status>`` model name, if any."""
    prefix, _, status = model.partition("-")
    if prefix == "fail" and status.isdigit() and 400 <= int(status) <= 599:
        return Fault(int(status), f"model {model} always fails with {status}")
    return None


@dataclass
class Behaviour:
    """Live switches plus the request log; safe to share between concurrent requests."""

    latency_ms: float = 0.0
    fail_rate: float = 0.0
    fail_status: int = 500
    throttle_rate: float = 0.0
    retry_after_s: int = 1
    _count: int = field(default=0, repr=False)
    _records: deque[RequestRecord] = field(default_factory=lambda: deque(maxlen=MAX_RECORDS), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    SWITCHES = ("latency_ms", "fail_rate", "fail_status", "throttle_rate", "retry_after_s")

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a partial update of the switches; raise ValueError naming a bad field."""
        for name, value in changes.items():
            if name not in self.SWITCHES:
                raise ValueError(f"{name}: unknown switch (known: {', '.join(self.SWITCHES)})")
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name}: must be a non-negative number")
            if name.endswith("_rate") and value > 1:
                raise ValueError(f"{name}: must be between 0 and 1")
            if name == "fail_status" and not 400 <= value <= 599:
                raise ValueError(f"{name}: must be an HTTP error status 400-599")
        with self._lock:
            for name, value in changes.items():
                setattr(self, name, int(value) if name in ("fail_status", "retry_after_s") else float(value))
            self._count = 0

    def switches(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.SWITCHES}

    def next_fault(self, model: str) -> Fault | None:
        """Count one request and return the fault it must answer with, if any."""
        forced = model_fault(model)
        with self._lock:
            self._count += 1
            count = self._count
        if forced:
            return forced
        if _scheduled(count, self.throttle_rate):
            return Fault(429, "injected rate limit")
        if _scheduled(count, self.fail_rate):
            return Fault(self.fail_status, "injected failure")
        return None

    def record(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(r) for r in self._records]

    def clear_records(self) -> None:
        with self._lock:
            self._records.clear()
