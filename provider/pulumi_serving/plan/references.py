"""Reference integrity (DESIGN decision 17): no update deletes a scope or secret a remaining endpoint uses (pure).

An endpoint's hidden inputs say which of the ``{{secrets/scope/key}}`` references in its config point into this
stack: ``known_secrets`` (``scope/key`` of secrets the stack declares) and ``known_scopes`` (scopes it declares).
Pulumi deletes what a program stops declaring, and calls the provider only at apply time, so the endpoint's check
compares its last inputs with the new ones: a reference still in the config whose secret or scope the stack
declared last time and no longer does is one this update deletes. It is refused at preview unless the endpoint
opts in with ``allow_broken_references``.

Grants work the same way: each endpoint keeps the program's ``SecretAcl`` grants (``known_grants``, a stack file's
``acls`` included), so its check sees a grant the stack stops declaring (deleted, or moved to another principal) on
a scope its config uses, and refuses it when no other grant leaves the stack's principal able to read the scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..payloads.secret_ref_syntax import SecretRef, looks_like_secret_ref, parse_secret_ref
from .parsed_endpoint import ParsedEndpoint
from .scope_acls import Caller

Json = dict[str, Any]
OPT_IN = "allow_broken_references"


@dataclass(frozen=True)
class DroppedReference:
    """``ref`` (at ``path`` in the config) points at a secret or scope this update deletes."""

    path: str
    ref: SecretRef
    kind: str  # "secret scope" or "secret"

    def message(self, endpoint: str) -> str:
        name = self.ref.scope if self.kind == "secret scope" else f"{self.ref.scope}/{self.ref.key}"
        return (
            f"this update deletes {self.kind} {name!r} (no longer declared in the stack) while endpoint {endpoint!r} "
            f"still references {self.ref}: every call to the endpoint would fail. Change the endpoint's reference in "
            f"the same update, keep declaring the {self.kind}, or opt in with {OPT_IN}: true "
            f"({OPT_IN}=True in a program); if it is still declared, name it in known_scopes / known_secrets or use "
            "its config_reference"
        )


def dropped_references(olds: Json, declared: ParsedEndpoint) -> list[DroppedReference]:
    """References of the declared config to secrets or scopes the stack declared last time and no longer does."""
    props = declared.props
    if not olds or props.get(OPT_IN):
        return []
    old_scopes, new_scopes = set(olds.get("known_scopes") or []), set(props.get("known_scopes") or [])
    old_secrets, new_secrets = set(olds.get("known_secrets") or []), set(props.get("known_secrets") or [])
    found = []
    for path, ref in declared.references:
        if ref.scope in old_scopes and ref.scope not in new_scopes:
            found.append(DroppedReference(path, ref, "secret scope"))
        elif f"{ref.scope}/{ref.key}" in old_secrets - new_secrets:
            found.append(DroppedReference(path, ref, "secret"))
    return found


def references_in(view: Any) -> list[SecretRef]:
    """The distinct references in an endpoint's stored config view (credential fields and environment_vars)."""
    found: dict[str, SecretRef] = {}
    stack = [view]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and looks_like_secret_ref(item):
            try:
                ref = parse_secret_ref(item)
            except ValueError:
                continue
            found[str(ref)] = ref
    return [found[k] for k in sorted(found)]


def broken_reference_warning(endpoint: str, ref: str, reason: str) -> str:
    """The warning refresh and preview give for an endpoint whose reference no longer resolves."""
    return (
        f"warning: endpoint {endpoint!r} references {ref}, but {reason}: every call to it fails with "
        "PERMISSION_DENIED; declare or restore the secret, grant READ back, or change the endpoint's reference"
    )


@dataclass(frozen=True)
class RevokedRead:
    """Dropping ``principal``'s grant on ``scope`` leaves the stack's principal unable to read it, while
    ``endpoints`` still reference the scope."""

    scope: str
    principal: str
    permission: str
    endpoints: tuple[str, ...]

    def message(self, caller: str) -> str:
        names = ", ".join(map(repr, self.endpoints))
        users = (
            f"endpoint {names} still references" if len(self.endpoints) == 1 else f"endpoints {names} still reference"
        )
        return (
            f"this update revokes {self.principal}'s {self.permission} on secret scope {self.scope!r}, through which "
            f"the stack's principal {caller!r} reads it, while {users} the scope: every call would fail. Keep the "
            f"grant, declare another that {caller!r} holds, change the endpoint's reference in the same update, or "
            f"opt in with {OPT_IN}: true ({OPT_IN}=True in a program)"
        )


@dataclass(frozen=True)
class GrantChange:
    """What an endpoint's check passes to :func:`revoked_reads`: the program's grants last time and now, and the
    scopes its config references (``users``: scope -> this endpoint)."""

    old_acls: list[Json]
    new_acls: list[Json]
    users: dict[str, list[str]]

    def touched(self) -> list[str]:
        """Referenced scopes losing a grant: the ones whose live grants the check lists."""
        kept = {(a["scope"], a["principal"]) for a in self.new_acls}
        return sorted({a["scope"] for a in self.old_acls if (a["scope"], a["principal"]) not in kept} & set(self.users))


def endpoint_grant_change(olds: Json, declared: ParsedEndpoint) -> GrantChange | None:
    """The grants (``known_grants``, ``{scope, principal, permission}``) an endpoint's update stops declaring on the
    scopes its config references; None when there is nothing to check (first deployment, opted in, none dropped)."""
    props = declared.props
    if not olds or props.get(OPT_IN) or not olds.get("known_grants"):
        return None
    name = str(props.get("endpoint_name"))
    scopes = {ref.scope for _, ref in declared.references}
    change = GrantChange(
        [a for a in olds["known_grants"] if a["scope"] in scopes],
        [a for a in props.get("known_grants") or [] if a["scope"] in scopes],
        {scope: [name] for scope in scopes},
    )
    return change if change.touched() else None


def revoked_reads(
    old_acls: list[Json], new_acls: list[Json], live: dict[str, list[Json]], caller: Caller, users: dict[str, list[str]]
) -> list[RevokedRead]:
    """Declared grants (``{scope, principal, permission}``) an update drops that give the caller its only access to
    a scope that endpoints (``users``: scope -> endpoint names) reference; ``live``: each such scope's grants."""
    if caller.is_admin:  # admins read every scope
        return []
    kept = {(a["scope"], a["principal"]) for a in new_acls}
    dropped = [a for a in old_acls if (a["scope"], a["principal"]) not in kept and caller.matches(a["principal"])]
    found = []
    for grant in dropped:
        scope = grant["scope"]
        if not users.get(scope) or scope not in live:
            continue
        gone = {a["principal"] for a in old_acls if a["scope"] == scope and (scope, a["principal"]) not in kept}
        if not any(caller.matches(g["principal"]) for g in live[scope] if g["principal"] not in gone):
            found.append(RevokedRead(scope, grant["principal"], grant["permission"], tuple(sorted(users[scope]))))
    return found
