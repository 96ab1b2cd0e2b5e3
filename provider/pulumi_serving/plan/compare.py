"""Generic structural comparison of two normalized JSON values, reporting changed paths."""

from __future__ import annotations

from typing import Any


def changed_paths(old: Any, new: Any, path: str = "") -> list[str]:
    """Paths (``a.b[name].c``) where ``old`` and ``new`` differ; lists of dicts are matched by their ``name`` (served
    entities, routes) or their ``key`` (tags: ``tags[team].value``) when it is unique, else by position."""
    return [changed for changed, _, _ in changes(old, new, path)]


def changes(old: Any, new: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """``(path, old value, new value)`` wherever ``old`` and ``new`` differ (None: absent on that side)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[tuple[str, Any, Any]] = []
        for key in sorted(set(old) | set(new)):
            out += changes(old.get(key), new.get(key), f"{path}.{key}" if path else key)
        return out
    if isinstance(old, list) and isinstance(new, list):
        keyed_old, keyed_new = _by_identity(old, new)
        if keyed_old is not None and keyed_new is not None:
            out = []
            for name in sorted(set(keyed_old) | set(keyed_new)):
                out += changes(keyed_old.get(name), keyed_new.get(name), f"{path}[{name}]")
            return out
        if len(old) == len(new):
            out = []
            for i, (a, b) in enumerate(zip(old, new, strict=False)):
                out += changes(a, b, f"{path}[{i}]")
            return out
    return [] if old == new else [(path, old, new)]


def _by_identity(old: list[Any], new: list[Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Both lists keyed by the first of ``name``, ``key`` that identifies every item of both; (None, None) if none."""
    for field in ("name", "key"):
        keyed_old, keyed_new = _keyed(old, field), _keyed(new, field)
        if keyed_old is not None and keyed_new is not None:
            return keyed_old, keyed_new
    return None, None


def _keyed(items: list[Any], field: str) -> dict[str, Any] | None:
    keyed: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get(field), str) or item[field] in keyed:
            return None
        keyed[item[field]] = item
    return keyed
