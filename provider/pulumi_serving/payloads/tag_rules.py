"""Serving-endpoint tags' bounds and their one shape in state, without the models (``tags.py``).

Databricks documents no limits on serving-endpoint tags, so these bounds are ours: generous for real use,
small enough that one endpoint cannot grow without bound (``docs/security.md``).
"""

from __future__ import annotations

from typing import Any

TAG_KEY_MAX = 255
TAG_VALUE_MAX = 1000
MAX_TAGS_PER_ENDPOINT = 50


def tag_count_problem(count: int) -> str | None:
    """Why an endpoint cannot hold ``count`` tags, or None."""
    if count > MAX_TAGS_PER_ENDPOINT:
        return f"an endpoint holds at most {MAX_TAGS_PER_ENDPOINT} tags (got {count})"
    return None


def tags_by_key(value: Any) -> Any:
    """Tags given as a list of ``{key, value}`` or as a mapping, as one mapping ``{key: value}`` (a missing value
    is ``""``), so they are stored, compared and shown by key. Anything else (a malformed list, a repeated key)
    is returned as is, for the resource's check to refuse with the reason."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, list) or not all(isinstance(t, dict) and isinstance(t.get("key"), str) for t in value):
        return value
    mapping = {t["key"]: "" if t.get("value") is None else t["value"] for t in value}
    return mapping if len(mapping) == len(value) else value
