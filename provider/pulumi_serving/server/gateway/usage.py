"""Usage tracking: requests and tokens per (endpoint, principal), kept for the server process's life."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class UsageRow:
    principal: str
    requests: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class UsageLedger:
    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], UsageRow] = {}
        self._lock = threading.Lock()

    def record(self, endpoint: str, principal: str, prompt_tokens: int, completion_tokens: int, ok: bool) -> None:
        with self._lock:
            row = self._rows.setdefault((endpoint, principal), UsageRow(principal))
            row.requests += 1
            row.errors += 0 if ok else 1
            row.prompt_tokens += prompt_tokens
            row.completion_tokens += completion_tokens

    def rows(self, endpoint: str, principal: str | None = None) -> list[dict[str, Any]]:
        """Rows of ``endpoint`` sorted by principal (only ``principal``'s when given)."""
        with self._lock:
            rows = [r for (ep, p), r in self._rows.items() if ep == endpoint and principal in (None, p)]
            return [{**asdict(r), "total_tokens": r.total_tokens} for r in sorted(rows, key=lambda r: r.principal)]

    def forget(self, endpoint: str) -> None:
        with self._lock:
            self._rows = {k: v for k, v in self._rows.items() if k[0] != endpoint}
