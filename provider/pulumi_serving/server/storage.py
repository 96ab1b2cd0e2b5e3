"""SQLite persistence (WAL, synchronous=FULL): every acknowledged write is committed before the reply.

The data dir is private: created 0700, and the database, its WAL and shared-memory files are 0600 (SQLite
creates the WAL and SHM files with the database file's mode). A full disk (or the ``max_bytes`` quota) is
answered 503 naming the cause (:class:`StorageFull`); a write that frees space (``freeing=True``) first
releases a small reserve file kept in the data dir, so deletes still go through on a full disk.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

from .errors import TemporarilyUnavailable

DB_FILE = "serving.sqlite3"
RESERVE_FILE = "disk-reserve"
RESERVE_BYTES = 1024 * 1024
# A small WAL, checkpointed often: on a full disk its space is reused, so deletes (and then the puts that use
# the pages they freed) keep working; a large WAL would hold every change and could never be checkpointed.
WAL_CHECKPOINT_PAGES = 100
WAL_SIZE_LIMIT = 1024 * 1024
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, groups_json TEXT NOT NULL,
    service_principal INTEGER NOT NULL, created_ms INTEGER NOT NULL, expires_ms INTEGER);
CREATE TABLE IF NOT EXISTS scopes (
    name TEXT PRIMARY KEY COLLATE NOCASE, backend_type TEXT NOT NULL, keyvault_json TEXT,
    creator TEXT NOT NULL, created_ms INTEGER NOT NULL, uid TEXT);
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
CREATE TABLE IF NOT EXISTS endpoint_usage (
    endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE, principal TEXT NOT NULL,
    requests INTEGER NOT NULL, errors INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL, PRIMARY KEY (endpoint_id, principal));
"""
# Columns added after the first release: (table, column, type, fill for existing rows).
_ADDED_COLUMNS = (
    ("tokens", "expires_ms", "INTEGER", None),
    ("scopes", "uid", "TEXT", "lower(hex(randomblob(16)))"),
)


class StorageFull(TemporarilyUnavailable):
    """503: the data dir's disk (or the database quota) is full; nothing was changed."""


def make_private_dir(path: Path) -> None:
    """Create ``path`` 0700; an existing directory that is empty or holds our state is tightened to 0700
    (any other directory is left as it is: it may be shared)."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    ours = (path / DB_FILE).exists() or not any(path.iterdir())
    if ours and path.stat().st_mode & 0o077:
        path.chmod(PRIVATE_DIR_MODE)


def shared_dir_problem(path: Path) -> str | None:
    """Why ``path`` is not private to its owner (writable by group or others: another local user could replace
    or plant files in it), or None."""
    mode = stat.S_IMODE(path.stat().st_mode)
    writers = [who for who, bit in (("group", 0o020), ("others", 0o002)) if mode & bit]
    if not writers:
        return None
    return f"data dir {path} is writable by {' and '.join(writers)} (mode {mode:o}): another local user could replace its files"


def _is_full(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)


class Database:
    """One connection shared by the process, serialised by a lock; transactions via :meth:`write`."""

    def __init__(self, data_dir: Path, max_bytes: int | None = None):
        make_private_dir(data_dir)
        self.path = data_dir / DB_FILE
        self._reserve = data_dir / RESERVE_FILE
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
        for suffix in ("", "-wal", "-shm"):
            existing = self.path.with_name(self.path.name + suffix)
            if existing.exists():
                existing.chmod(PRIVATE_FILE_MODE)
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10.0)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._commits = 0
        self._version_cursor = self._conn.cursor()  # version() runs twice per gateway call: no cursor per run
        for pragma in (
            "journal_mode=WAL",
            "synchronous=FULL",
            "foreign_keys=ON",
            "busy_timeout=10000",
            f"wal_autocheckpoint={WAL_CHECKPOINT_PAGES}",
            f"journal_size_limit={WAL_SIZE_LIMIT}",
        ):
            self._conn.execute(f"PRAGMA {pragma}")
        self._conn.executescript(_SCHEMA)
        self._migrate()
        if max_bytes is not None:
            page_size = self._conn.execute("PRAGMA page_size").fetchone()[0]
            self._conn.execute(f"PRAGMA max_page_count = {max(1, max_bytes // page_size)}")
        self._keep_reserve()

    def _migrate(self) -> None:
        for table, column, kind, fill in _ADDED_COLUMNS:
            columns = {row["name"] for row in self._conn.execute(f"PRAGMA table_info({table})")}
            if column not in columns:
                self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            if fill:
                self._conn.execute(f"UPDATE {table} SET {column} = {fill} WHERE {column} IS NULL")

    def _keep_reserve(self, *, only_if_roomy: bool = False) -> None:
        """(Re)create the reserve file; after a freeing write only when the disk has ample room again, so it
        never takes the space just freed."""
        if self._reserve.exists():
            return
        disk = os.statvfs(self._reserve.parent)
        if only_if_roomy and disk.f_bavail * disk.f_frsize < 4 * RESERVE_BYTES:
            return
        try:
            fd = os.open(self._reserve, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        except OSError:
            return
        try:
            os.posix_fallocate(fd, 0, RESERVE_BYTES)
        except OSError:
            os.close(fd)
            self._reserve.unlink(missing_ok=True)
            return
        os.close(fd)

    def _checkpoint(self) -> None:
        """Move the WAL into the database and restart it from its beginning, keeping its file (and the disk
        space it holds) for the next writes (best effort)."""
        with suppress(sqlite3.OperationalError):
            self._conn.execute("PRAGMA wal_checkpoint(RESTART)")

    def _full(self) -> StorageFull:
        return StorageFull(
            f"The server's disk is full (data dir {self.path.parent}): the change was not saved. "
            "Free space (deleting endpoints, secrets or scopes works) and retry.",
            retry_after=5,
        )

    @contextmanager
    def write(self, *, state_change: bool = True) -> Iterator[sqlite3.Connection]:
        """An IMMEDIATE transaction committed (durably) on normal exit, rolled back on error. A write with
        ``state_change=False`` (usage counters) leaves :meth:`version` as it is, so caches of the state stay."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                if _is_full(exc):
                    self._checkpoint()
                    raise self._full() from None
                raise
            self._commits += 1 if state_change else 0

    def transact(self, change: Callable[[sqlite3.Connection], T], *, freeing: bool = False) -> T:
        """Run ``change`` in a :meth:`write` transaction. A ``freeing`` change (a delete) that meets a full
        disk releases the reserve file and is tried once more."""
        try:
            with self.write() as conn:
                return change(conn)
        except StorageFull:
            if not freeing or not self._reserve.exists():
                raise
            self._reserve.unlink()
            self._checkpoint()
        with self.write() as conn:
            result = change(conn)
        self._keep_reserve(only_if_roomy=True)
        return result

    def version(self) -> tuple[int, int]:
        """Changes whenever a write commits, through this connection or another one (for caches of state)."""
        with self._lock:
            return self._commits, self._version_cursor.execute("PRAGMA data_version").fetchone()[0]

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()
