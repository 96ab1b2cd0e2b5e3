"""Authoritative secret-scope ACLs (``SecretScopeAcls``): what to grant and revoke, pure.

The declared list is the scope's whole set of grants, with one exception so that a stack never locks itself
out: the caller's own grant (under its own name) is never revoked, and when the declaration would leave the
caller without MANAGE, the caller keeps a MANAGE grant under its own name. That kept grant is not drift.
The replace reason and the calls are rows of the planner's table (``fields.RULES``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..payloads.principal_names import ALL_USERS_GROUP
from .fields import call_for, identity_replaces
from .model import Call, Plan
from .principal_warnings import principal_warnings

Grant = dict[str, str]  # {"principal": ..., "permission": ...}


@dataclass(frozen=True)
class Caller:
    """Who applies the stack: its principal name and groups (``admins`` holds MANAGE on every scope)."""

    name: str
    groups: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return "admins" in self.groups

    def matches(self, principal: str) -> bool:
        return principal in (self.name, ALL_USERS_GROUP, *self.groups)


def normalized(grants: list[Grant] | None) -> list[Grant]:
    """Grants sorted by principal (the API's order is not meaningful)."""
    return sorted(
        ({"principal": g["principal"], "permission": g["permission"]} for g in grants or []),
        key=lambda g: g["principal"],
    )


def visible(live: list[Grant], caller: Caller) -> list[Grant]:
    """The live grants as the declaration is compared with them: without the caller's own grant."""
    return [g for g in normalized(live) if g["principal"] != caller.name]


def undeclared(declared: list[Grant], live: list[Grant], caller: Caller) -> list[Grant]:
    """Live grants the declaration does not hold (the caller's own excepted): what applying it revokes."""
    wanted = {(g["principal"], g["permission"]) for g in declared}
    return [g for g in visible(live, caller) if (g["principal"], g["permission"]) not in wanted]


def apply_steps(declared: list[Grant], live: list[Grant], caller: Caller) -> tuple[list[Grant], list[str]]:
    """(grants to put, principals to revoke) turning ``live`` into ``declared`` without locking the caller out."""
    want = {g["principal"]: g["permission"] for g in declared}
    have = {g["principal"]: g["permission"] for g in live}
    if caller.name in have and caller.name not in want:
        want[caller.name] = have[caller.name]  # the caller's own grant is never revoked
    if not caller.is_admin and not any(p == "MANAGE" and caller.matches(who) for who, p in want.items()):
        want[caller.name] = "MANAGE"  # ... and it never loses MANAGE
    puts = [{"principal": who, "permission": p} for who, p in sorted(want.items()) if have.get(who) != p]
    revokes = sorted(who for who in have if who not in want)
    return puts, revokes


def apply_calls(declared: list[Grant], live: list[Grant], caller: Caller) -> list[Call]:
    """The calls of :func:`apply_steps`: a put per grant (its body: the grant), then a revoke per principal (its
    body: the principal's name)."""
    puts, revokes = apply_steps(declared, live, caller)
    put, revoke = call_for("SecretScopeAcls", "acls"), call_for("SecretScopeAcls", "acls", removed=True)
    return [Call(put, (f"acls[{g['principal']}]",), g) for g in puts] + [
        Call(revoke, (f"acls[{who}]",), who) for who in revokes
    ]


def diff_scope_acls(olds: dict[str, Any], news: dict[str, Any]) -> Plan:
    """Last-applied (or refreshed) grants against the declared ones."""
    if replaces := identity_replaces("SecretScopeAcls", olds, news):
        return Plan(replaces=replaces)
    old = {g["principal"]: g["permission"] for g in normalized(olds.get("acls"))}
    new = {g["principal"]: g["permission"] for g in normalized(news.get("acls"))}
    changed = [who for who in sorted(set(old) | set(new)) if old.get(who) != new.get(who)]
    puts = tuple(f"acls[{who}]" for who in changed if who in new)
    revokes = tuple(f"acls[{who}]" for who in changed if who not in new)
    steps = ((call_for("SecretScopeAcls", "acls"), puts), (call_for("SecretScopeAcls", "acls", removed=True), revokes))
    granted = [who for who in changed if who in new]
    return Plan(
        calls=[Call(api, fields) for api, fields in steps if fields],
        warnings=principal_warnings("acls", granted, [*old, *new]) if granted else [],
    )
