"""What adopting an existing object changes, as lines a reviewer reads in the preview (pure, no I/O).

A dynamic provider cannot turn a create into an update in Pulumi's plan (the engine only asks it to ``diff``
resources already in the state), so an ``adopt`` resource previews as a create; its check then reads the live
object and the preview carries these lines as a diagnostic of the resource: each field the ``up`` changes, with
the live and the declared value as JSON, and the ownership marker it adds. Write-only values never appear (the
views hold none).
"""

from __future__ import annotations

import json
from typing import Any

from ..payloads.ownership import OWNER_TAG_KEY
from .compare import changes
from .model import Plan

Json = dict[str, Any]


def _shown(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _by_key(view: Json) -> Json:
    """Tags compared by key (a list compares by position: one changed value would read as tags swapping)."""
    tags = {t["key"]: t.get("value", "") for t in view.get("tags") or []}
    return {**view, "tags": tags} if tags else {k: v for k, v in view.items() if k != "tags"}


def field_lines(live: Json, declared: Json) -> list[str]:
    """``~ path: live => declared``, ``+ path: declared``, ``- path: live`` for each field that differs."""
    lines = []
    for path, old, new in changes(_by_key(live), _by_key(declared)):
        if old is None:
            lines.append(f"+ {path}: {_shown(new)}")
        elif new is None:
            lines.append(f"- {path}: {_shown(old)}")
        else:
            lines.append(f"~ {path}: {_shown(old)} => {_shown(new)}")
    return lines


def endpoint_adoption(name: str, live: Json, declared: Json, plan: Plan, owner: str | None) -> str:
    """The preview's account of adopting endpoint ``name``: field changes, the marker tag, the planned calls."""
    fields = field_lines(live, declared)
    lines = [
        f"adopt: serving endpoint {name!r} exists; `up` takes it over (this preview shows it as a create) and "
        + (f"changes {len(fields)} field(s) to match the declaration:" if fields else "changes no field of it:"),
        *(f"  {line}" for line in fields),
    ]
    if owner:
        lines.append(f"  + tags.{OWNER_TAG_KEY}: {_shown(owner)} (the ownership marker)")
    lines += [f"  {line}" for line in plan.describe()]
    return "\n".join(lines)


def scope_adoption(scope: str, marker_key: str | None, secret_keys: list[str]) -> str:
    """The preview's account of adopting secret scope ``scope``: it keeps its secrets; the marker secret added."""
    kept = ", ".join(repr(k) for k in secret_keys) if secret_keys else "none"
    lines = [
        f"adopt: secret scope {scope!r} exists; `up` takes it over (this preview shows it as a create), "
        f"keeping its secrets (keys: {kept})"
    ]
    if marker_key:
        lines.append(f"  + secret {marker_key!r} (the ownership marker)")
    return "\n".join(lines)
