"""Pure: pending creates of an exported Pulumi deployment -> recovered state entries.

Pulumi keeps a create that was interrupted (the CLI killed while the provider worked) as a pending
``creating`` operation, forever, and a later ``up`` creates the object again. Here every pending create of a
pulumi-serving resource whose object has a deterministic id becomes a state entry (id, outputs = its inputs
plus the ``__recovered`` flag); every other pending create (readiness gates, foreign types) is dropped. A
``refresh`` of the recovered entries then asks each provider whether the object exists and carries this
resource's ownership marker: kept if so, dropped from the state otherwise.

A replacement that creates before it deletes (a renamed endpoint keeps its resource, so its URN) leaves a pending
create for a URN the state already holds under another id. The recovered entry then goes in beside the original,
and the original is marked for deletion, as Pulumi marks it once such a create succeeds: the next ``up`` or
``destroy`` deletes it, and the new object is not orphaned.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]
TYPE_PREFIX = "pulumi-python:dynamic/serving:"
RECOVERED_FLAG = "__recovered"

#: the id each kind's create returns, from its inputs (None: no server object, nothing to recover)
IdRule = Callable[[Json], "str | None"]


def _plain(inputs: Json, *keys: str) -> list[str] | None:
    values = [inputs.get(k) for k in keys]
    return values if all(isinstance(v, str) and v for v in values) else None  # type: ignore[return-value]


def _joined(*keys: str) -> IdRule:
    def rule(inputs: Json) -> str | None:
        values = _plain(inputs, *keys)
        return "/".join(values) if values else None

    return rule


ID_RULES: dict[str, IdRule] = {
    "ServingEndpoint": _joined("endpoint_name"),
    "SecretScope": _joined("scope"),
    "Secret": _joined("scope", "key"),
    "SecretAcl": _joined("scope", "principal"),
    "SecretScopeAcls": _joined("scope"),
    "RateLimits": _joined("endpoint"),
    "EndpointPermissions": _joined("endpoint"),
}


@dataclass(frozen=True)
class PendingCreate:
    urn: str
    kind: str
    id: str | None  # None: dropped (no server object, or an id that cannot be known)


@dataclass
class RecoveryPlan:
    deployment: Json
    recovered: list[PendingCreate] = field(default_factory=list)
    dropped: list[PendingCreate] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.recovered or self.dropped)


def plan_recovery(exported: Json, id_rules: Mapping[str, IdRule] = ID_RULES) -> RecoveryPlan:
    """The deployment with its pending creates resolved (other pending operations are left alone)."""
    out = copy.deepcopy(exported)
    deployment = out.get("deployment") or {}
    resources: list[Json] = deployment.setdefault("resources", []) or []
    deployment["resources"] = resources
    live = {r.get("urn"): r for r in resources if not r.get("delete")}
    plan = RecoveryPlan(out)
    remaining = []
    for op in deployment.get("pending_operations") or []:
        if op.get("type") != "creating":
            remaining.append(op)
            continue
        resource = op.get("resource") or {}
        urn, type_ = resource.get("urn", ""), resource.get("type", "")
        kind = type_[len(TYPE_PREFIX) :] if type_.startswith(TYPE_PREFIX) else type_
        rule = id_rules.get(kind) if type_.startswith(TYPE_PREFIX) else None
        object_id = rule(resource.get("inputs") or {}) if rule else None
        original = live.get(urn)
        if object_id is None or (original is not None and original.get("id") == object_id):
            plan.dropped.append(PendingCreate(urn, kind, None))
            continue
        if original is not None:  # a create-before-delete replacement: the original is now the one to delete
            original["delete"] = True
        entry = {k: v for k, v in resource.items() if k not in ("id", "outputs")}
        entry.update(id=object_id, custom=True, outputs={**(resource.get("inputs") or {}), RECOVERED_FLAG: True})
        resources.append(entry)
        live[urn] = entry
        plan.recovered.append(PendingCreate(urn, kind, object_id))
    if deployment.get("pending_operations") is not None or remaining:
        deployment["pending_operations"] = remaining
    return plan
