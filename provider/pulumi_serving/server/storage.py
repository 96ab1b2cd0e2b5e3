"""SQLite persistence (WAL, synchronous=FULL): every acknowledged write is committed before the reply."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DB_FILE = "serving.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, groups_json TEXT NOT NULL,
    service_principal INTEGER NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS scopes (
    name TEXT PRIMARY KEY COLLATE NOCASE, backend_type TEXT NOT NULL, keyvault_json TEXT,
    creator TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS secrets (
    scope TEXT NOT NULL COLLATE NOCASE REFERENCES scopes(name) ON DELETE CASCADE, key TEXT NOT NULL,
    kind TEXT NOT NULL, ciphertext BLOB NOT NULL, updated_ms INTEGER NOT NULL, PRIMARY KEY (scope, key));
CREATE TABLE IF NOT EXISTS scope_acls (
    scope TEXT NOT NULL COLLATE NOCASE REFERENCES scopes(name) ON DELETE CASCADE, principal TEXT NOT NULL,
    permission TEXT NOT NULL, PRIMARY KEY (scope, principal));
CREATE TABLE IF NOT EXISTS endpoints (
    name TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS endpoint_acls (
    endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE, principal_kind TEXT NOT NULL,
    principal_name TEXT NOT NULL, level TEXT NOT NULL, PRIMARY KEY (endpoint_id, principal_kind, principal_name));
"""


class Database:
    """One connection shared by the process, serialised by a lock; transactions via :meth:`write`."""

    def __init__(self, data_dir: Path):
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DB_FILE
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10.0)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._commits = 0
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=10000"):
            self._conn.execute(f"PRAGMA {pragma}")
        self._conn.executescript(_SCHEMA)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """An IMMEDIATE transaction committed (durably) on normal exit, rolled back on error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            self._commits += 1

    def version(self) -> tuple[int, int]:
        """Changes whenever a write commits, through this connection or another one (for caches of state)."""
        with self._lock:
            return self._commits, self._conn.execute("PRAGMA data_version").fetchone()[0]

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()
