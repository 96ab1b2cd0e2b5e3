"""Planners of the resources that hang off an endpoint: RateLimits and the readiness gate (pure)."""

from __future__ import annotations

from typing import Any

from ..payloads import api_paths
from . import normalize
from .compare import changed_paths
from .fields import rule_for
from .model import Call, Plan, Replace

Json = dict[str, Any]


def plan_rate_limits(olds: Json, news: Json) -> Plan:
    """Read-modify-write of the endpoint's AI gateway, so its other sections survive."""
    if olds.get("endpoint") != news.get("endpoint"):
        return Plan(replaces=[Replace("endpoint", "endpoint", rule_for("RateLimits", "endpoint").replace or "")])
    changed = changed_paths(
        olds.get("rate_limits") or [], normalize.rate_limits(news.get("rate_limits")), "rate_limits"
    )
    if isinstance(news.get("endpoint_id"), str) and news["endpoint_id"] != olds.get("endpoint_id"):
        changed.insert(0, "endpoint_id")  # the endpoint was recreated: its limits are set again
    return Plan(calls=apply_calls(tuple(changed))) if changed else Plan()


def apply_calls(fields: tuple[str, ...]) -> list[Call]:
    """Read the endpoint's AI gateway, then PUT it back with the declared limits (other sections kept)."""
    return [Call(api_paths.GET_ENDPOINT), Call(api_paths.PUT_AI_GATEWAY, fields)]


def plan_readiness(olds: Json, news: Json) -> Plan:
    """An endpoint added or removed, or one whose ``config_version`` is known to differ, is waited for again.

    At preview an endpoint being updated reports its ``config_version`` as not known yet: that alone is no
    change here (the endpoint's own plan shows whether its config changes); ``up`` knows the new version and
    waits when it differs.
    """
    waited = Plan(calls=[Call(api_paths.GET_ENDPOINT, ("endpoints",))])
    old, new = _versions(olds.get("endpoints")), _versions(news.get("endpoints"))
    if old is None or new is None:  # the list itself not known yet (an endpoint being replaced): compared whole
        return Plan() if olds.get("endpoints") == news.get("endpoints") else waited
    moved = [name for name, version in new.items() if isinstance(version, (int, float)) and version != old.get(name)]
    return Plan() if set(old) == set(new) and not moved else waited


def _versions(endpoints: Any) -> dict[str, Any] | None:
    """``{name: config_version}`` of a known list of endpoints, or None while the list or an entry is unknown."""
    if endpoints is None:
        return {}
    if not isinstance(endpoints, list) or not all(isinstance(e, dict) for e in endpoints):
        return None
    return {str(e.get("name")): e.get("config_version") for e in endpoints}
