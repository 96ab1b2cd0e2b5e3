"""Per-stack overrides of declarations shared by every stack (environments from one declaration).

Pulumi merges the project's ``config:`` (in ``Pulumi.yaml``) under each stack file key by key: a key the stack file
sets replaces the project's value whole. So the shared ``serving:endpoints`` live in ``Pulumi.yaml`` and a stack
file varies them with two small keys instead of a copy::

    serving:name_suffix: -dev                 # appended to every endpoint's name
    serving:endpoint_overrides:               # by declared endpoint name: a JSON merge patch (RFC 7386)
      chat:                                   #   mappings merge key by key, lists and scalars replace, null removes
        rate_limits: [{calls: 5, key: user, renewal_period: minute}]
        permissions: [{group_name: ml-developers, permission_level: CAN_MANAGE}]

Objects only one stack has (a workspace's hand-made objects it adopted) go under ``serving:stack_scopes`` /
``serving:stack_endpoints``: added to the shared ones as written, without suffix or override.

The result is checked as if it had been written out: a problem in an overridden field names the override's path.
Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..problems import Problem, join_path
from .models import CONFIG_KEY_PATTERN, FIXED_FIELDS, OVERRIDE_KEYS, STACK_ONLY_KEYS


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: ``patch``'s mappings merged into ``target``'s, anything else replacing it."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


@dataclass(frozen=True)
class Overlaid:
    """Declarations with a stack's overrides applied (the override keys removed), what is wrong with the overrides,
    and where each overridden field came from (merged path -> override path)."""

    data: Any
    problems: list[Problem] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)

    def relocate(self, problem: Problem) -> Problem:
        """``problem`` renamed to the override that set its field, when one did."""
        for merged, origin in self.origins.items():
            if problem.path == merged or problem.path.startswith((f"{merged}.", f"{merged}[")):
                return Problem(origin + problem.path[len(merged) :], problem.message)
        return problem


def fixed_field_problems(overrides: Any) -> list[Problem]:
    """An override may not set an endpoint's identity (``name``, ``id``): renames go through the suffix."""
    return [
        Problem(join_path("endpoint_overrides", name, fixed), "cannot be overridden; use serving:name_suffix")
        for name, patch in (overrides.items() if isinstance(overrides, dict) else [])
        if isinstance(patch, dict)
        for fixed in FIXED_FIELDS
        if fixed in patch
    ]


def apply_overrides(data: Any) -> Overlaid:
    """Apply ``name_suffix`` and ``endpoint_overrides`` to ``data['endpoints']`` (raw declarations), then add the
    stack's own ``stack_scopes`` / ``stack_endpoints``.

    Expects override keys whose shape is checked (``overlay`` in checks.py does both).
    """
    if not isinstance(data, dict) or not any(key in data for key in OVERRIDE_KEYS):
        return Overlaid(data)
    overlaid = _overridden({key: value for key, value in data.items() if key not in OVERRIDE_KEYS}, data)
    merged, origins = dict(overlaid.data), dict(overlaid.origins)
    for shared_key, stack_key in STACK_ONLY_KEYS.items():
        own = data.get(stack_key)
        if not isinstance(own, list) or not own:
            continue
        shared = merged.get(shared_key)
        shared = shared if isinstance(shared, list) else []
        merged[shared_key] = [*shared, *own]
        origins.update({join_path(shared_key, len(shared) + j): join_path(stack_key, j) for j in range(len(own))})
    return Overlaid(merged, overlaid.problems, origins)


def _overridden(rest: dict[str, Any], data: dict[str, Any]) -> Overlaid:
    """``rest['endpoints']`` with ``data``'s ``name_suffix`` and ``endpoint_overrides`` applied."""
    suffix = data.get("name_suffix", "")
    overrides = data.get("endpoint_overrides") or {}
    problems: list[Problem] = []
    if not isinstance(suffix, str):
        suffix = ""  # the schema names it
    if not isinstance(overrides, dict):
        overrides = {}  # the schema names it
    endpoints = rest.get("endpoints")
    if not isinstance(endpoints, list):
        if overrides:
            problems.append(Problem("endpoint_overrides", "no serving:endpoints are declared to override"))
        return Overlaid(rest, problems)
    declared = [e.get("name") if isinstance(e, dict) else None for e in endpoints]
    for name in overrides:
        if name not in declared:
            known = ", ".join(repr(n) for n in declared if isinstance(n, str)) or "none"
            problems.append(
                Problem(
                    join_path("endpoint_overrides", name),
                    f"no endpoint named {name!r} is declared (declared: {known}); an override names an endpoint "
                    "as serving:endpoints declares it, before any name_suffix",
                )
            )
    origins: dict[str, str] = {}
    out = []
    for i, endpoint in enumerate(endpoints):
        if not isinstance(endpoint, dict) or not isinstance(endpoint.get("name"), str):
            out.append(endpoint)
            continue
        name = endpoint["name"]
        patch = overrides.get(name)
        if isinstance(patch, dict):
            endpoint = merge_patch(endpoint, patch)
            origins.update({join_path("endpoints", i, k): join_path("endpoint_overrides", name, k) for k in patch})
        if suffix:  # the resource keeps the declared name (when it can be one): a new suffix renames in place
            stable = endpoint.get("id") or (name if re.match(CONFIG_KEY_PATTERN, name) else None)
            endpoint = {**endpoint, "name": name + suffix, **({"id": stable} if stable else {})}
        out.append(endpoint)
    return Overlaid({**rest, "endpoints": out}, problems, origins)
