"""Usage counters per (endpoint id, principal) in the server's database; rows go with their endpoint
(ON DELETE CASCADE), so an endpoint created again under the same name starts with none."""

from __future__ import annotations

from collections.abc import Mapping

from .storage import Database

Counts = tuple[int, int, int, int]  # requests, errors, prompt_tokens, completion_tokens

_ADD = """
INSERT INTO endpoint_usage (endpoint_id, principal, requests, errors, prompt_tokens, completion_tokens)
SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM endpoints WHERE id = ?)
ON CONFLICT (endpoint_id, principal) DO UPDATE SET requests = requests + excluded.requests,
    errors = errors + excluded.errors, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
    completion_tokens = completion_tokens + excluded.completion_tokens
"""


class UsageStore:
    def __init__(self, db: Database):
        self._db = db

    def add(self, deltas: Mapping[tuple[str, str], Counts]) -> None:
        """Add counts in one transaction (not a state change); rows of deleted endpoints are dropped."""
        if not deltas:
            return
        with self._db.write(state_change=False) as conn:
            conn.executemany(
                _ADD,
                [(endpoint_id, principal, *counts, endpoint_id) for (endpoint_id, principal), counts in deltas.items()],
            )

    def rows(self, endpoint_id: str) -> dict[str, Counts]:
        with self._db.read() as conn:
            found = conn.execute(
                "SELECT principal, requests, errors, prompt_tokens, completion_tokens "
                "FROM endpoint_usage WHERE endpoint_id = ?",
                (endpoint_id,),
            ).fetchall()
        return {row[0]: (row[1], row[2], row[3], row[4]) for row in found}
