"""Stored serving-endpoint documents: load (settled) and save, by name or id."""

from __future__ import annotations

import json
import sqlite3

from .endpoint_documents import Doc, settle
from .errors import ResourceDoesNotExist


def not_found(name: str) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"Endpoint with name '{name}' does not exist.")


def load(conn: sqlite3.Connection, name: str, now_ms: int) -> Doc:
    """The settled document of endpoint ``name`` (404 when there is none)."""
    row = conn.execute("SELECT doc FROM endpoints WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise not_found(name)
    return settle(json.loads(row["doc"]), now_ms)


def load_by_id(conn: sqlite3.Connection, endpoint_id: str, now_ms: int) -> Doc:
    row = conn.execute("SELECT name FROM endpoints WHERE id = ?", (endpoint_id,)).fetchone()
    if row is None:
        raise ResourceDoesNotExist(f"Serving endpoint with id '{endpoint_id}' does not exist.")
    return load(conn, row["name"], now_ms)


def save(conn: sqlite3.Connection, doc: Doc) -> None:
    conn.execute("UPDATE endpoints SET doc = ? WHERE name = ?", (json.dumps(doc), doc["name"]))
