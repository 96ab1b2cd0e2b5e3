"""Entries derived from the server state, kept while the state is unchanged.

The memory behind the per-call caches of the data plane (verified tokens, queryable endpoints, resolved
credentials): a dict valid for one database version (:meth:`~.storage.Database.version`). Any committed write,
through this process or another connection, changes the version, and the next :meth:`VersionedEntries.current`
starts an empty dict; so does reaching ``max_entries``, which bounds the memory.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from .storage import Database

Version = tuple[int, int]


class VersionedEntries:
    """``current()`` reads the version (before the caller reads the state, so entries never predate it) and
    returns it; ``entries`` then holds only what was stored at that version."""

    __slots__ = ("_db", "_max_entries", "entries", "version")

    def __init__(self, db: Database, max_entries: int):
        self._db = db
        self._max_entries = max_entries
        self.version: Version | None = None
        self.entries: dict[Hashable, Any] = {}

    def current(self) -> Version:
        version = self._db.version()
        if version != self.version or len(self.entries) >= self._max_entries:
            self.entries = {}
            self.version = version
        return version
