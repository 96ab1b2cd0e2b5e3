"""The EndpointPermissions planner and the pure rules of its grants (no I/O).

The resource is authoritative for an endpoint's *direct* grants, with one exception: the calling
principal's own CAN_MANAGE is never removed, so a stack cannot lock itself out of its endpoint.
"""

from __future__ import annotations

from typing import Any

from ..payloads import api_paths
from ..payloads.permission_levels import PERMISSION_ORDER
from .compare import changed_paths
from .fields import rule_for
from .model import Call, Plan, Rejection, Replace
from .principal_warnings import principal_warnings

Json = dict[str, Any]
PRINCIPAL_KINDS = ("user_name", "group_name", "service_principal_name")
CAN_MANAGE = "CAN_MANAGE"


def principal(entry: Json) -> tuple[str, str]:
    """(kind, name) of an ACL entry (``("", "")`` when it names none: check rejects those)."""
    for kind in PRINCIPAL_KINDS:
        if entry.get(kind):
            return kind, str(entry[kind])
    return "", ""


def grants(entries: list[Json] | None) -> list[Json]:
    """Declared ACL entries as sorted ``{<kind>: name, permission_level}``; a principal named twice keeps its
    highest level."""
    best: dict[tuple[str, str], str] = {}
    for entry in entries or []:
        key, level = principal(entry), str(entry.get("permission_level"))
        if PERMISSION_ORDER.get(level, 0) > PERMISSION_ORDER.get(best.get(key, ""), 0):
            best[key] = level
    return [{kind: name, "permission_level": level} for (kind, name), level in sorted(best.items())]


def direct_grants(response: Json) -> list[Json]:
    """The direct (not inherited) grants of a GET permissions answer, in the declared form."""
    entries = []
    for entry in response.get("access_control_list") or []:
        for level in entry.get("all_permissions") or []:
            if not level.get("inherited"):
                entries.append({**dict([principal(entry)]), "permission_level": level.get("permission_level")})
    return grants([e for e in entries if "" not in e])


def is_caller(entry: Json, caller: str | None) -> bool:
    kind, name = principal(entry)
    return bool(caller) and kind in ("user_name", "service_principal_name") and name == caller


def managed_view(live: list[Json], declared: list[Json], caller: str | None) -> list[Json]:
    """Live direct grants as this resource sees them: the caller's own grant only when it is declared."""
    if any(is_caller(e, caller) for e in declared):
        return live
    return [e for e in live if not is_caller(e, caller)]


def set_body(declared: list[Json], live: list[Json], caller: str | None) -> Json:
    """Body of the PUT that replaces the direct grants: the declared ones, plus the caller's CAN_MANAGE it holds."""
    kept = [e for e in live if is_caller(e, caller) and e["permission_level"] == CAN_MANAGE]
    keys = {principal(e) for e in declared}
    return {"access_control_list": grants(declared + [e for e in kept if principal(e) not in keys])}


def caller_rejections(declared: list[Json], caller: str | None) -> list[Rejection]:
    """A declared grant that would lower the caller's own level below CAN_MANAGE."""
    return [
        Rejection(
            f"access_control_list[{i}]",
            f"{caller!r} is the calling principal: its own CAN_MANAGE is "
            "never removed, so a stack cannot lock itself out",
        )
        for i, entry in enumerate(declared)
        if is_caller(entry, caller) and entry.get("permission_level") != CAN_MANAGE
    ]


def plan_permissions(olds: Json, news: Json) -> Plan:
    """``olds``: stored outputs; ``news``: checked inputs. A new ``endpoint_id`` (the endpoint was recreated) sets
    the grants again; one not known yet (preview of an endpoint's update) changes nothing."""
    if olds.get("endpoint") != news.get("endpoint"):
        return Plan(
            replaces=[Replace("endpoint", "endpoint", rule_for("EndpointPermissions", "endpoint").replace or "")]
        )
    changed = changed_paths(
        olds.get("access_control_list") or [], grants(news.get("access_control_list")), "access_control_list"
    )
    if isinstance(news.get("endpoint_id"), str) and news["endpoint_id"] != olds.get("endpoint_id"):
        changed.insert(0, "endpoint_id")
    if not changed:
        return Plan()
    before = {principal(e) for e in olds.get("access_control_list") or []}
    declared = [principal(e) for e in grants(news.get("access_control_list"))]
    granted = [name for kind, name in declared if (kind, name) not in before and name]
    return Plan(
        calls=apply_calls(tuple(changed), knows_id=bool(news.get("endpoint_id") or olds.get("endpoint_id"))),
        warnings=principal_warnings("access_control_list", granted, [n for _, n in (*before, *declared)]),
    )


def apply_calls(fields: tuple[str, ...], *, knows_id: bool) -> list[Call]:
    """Find the endpoint's id when needed, read what the caller holds, then replace the direct grants.

    The caller itself is known from the credential check every run makes first (``GET .../scim/v2/Me``).
    """
    found = [] if knows_id else [Call(api_paths.GET_ENDPOINT)]
    return [*found, Call(api_paths.GET_PERMISSIONS), Call(api_paths.SET_PERMISSIONS, fields)]
