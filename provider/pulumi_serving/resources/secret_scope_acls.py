"""SecretScopeAcls: the whole set of grants on a secret scope, authoritative.

Grants the declaration does not hold are revoked on ``up`` (listed by preview when the resource is first
created, and by refresh as drift afterwards), except the caller's own grant under its own name, which is
kept, with MANAGE if the declaration would otherwise lock the caller out (``plan/scope_acls.py``). Declare it
for a scope whose grants the stack owns, e.g. an adopted scope; ``SecretAcl`` resources for the same grants may
stay beside it (a removed ``SecretAcl`` revokes its grant, even one this resource declares).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, Resource, UpdateResult

from .. import payloads
from ..client import ApiError, NotFound, ServingClient
from ..payloads import api_paths
from ..payloads.api_paths import Api
from ..payloads.principal_names import name_warnings
from ..plan import Call, Plan
from ..plan.principal_warnings import principal_warnings
from ..plan.scope_acls import apply_calls, diff_scope_acls, normalized, undeclared, visible
from . import diagnostics
from .executor import Handler, execute
from .provider_base import Json, ServingProvider, has_unknowns, plain, shown

INPUTS = ("scope", "acls")


def describe(grants: list[Json], known: Iterable[str] = ()) -> str:
    """``principal PERMISSION, ...``; a principal that mixes scripts or reads like another of ``grants`` or
    ``known`` (the scope's other grants, the caller) is flagged with why."""
    flags = name_warnings([g["principal"] for g in grants], known)
    return ", ".join(
        f"{g['principal']} {g['permission']}"
        + (f" (warning: {flags[g['principal']]})" if g["principal"] in flags else "")
        for g in grants
    )


def known_principals(live: list[Json], caller: str) -> list[str]:
    """The principals a scope's grants name, and the caller: what a new name must not read like."""
    return [*(str(g.get("principal")) for g in live), caller]


class SecretScopeAclsProvider(ServingProvider):
    """CRUD for ``pulumi-python:dynamic/serving:SecretScopeAcls``."""

    kind, inputs = "SecretScopeAcls", INPUTS

    def check_inputs(self, olds: Json, props: Json) -> list[CheckFailure]:
        problems = []
        scope = props.get("scope")
        if not has_unknowns(scope) and (reason := payloads.names.scope_name_problem(scope)):
            problems.append(CheckFailure("scope", f"scope: {reason}"))
        acls = props.setdefault("acls", [])
        if has_unknowns(acls):
            return problems
        if not isinstance(acls, list):
            return [*problems, CheckFailure("acls", "acls: must be a list of {principal, permission}")]
        seen: set[str] = set()
        for index, grant in enumerate(acls):
            where = f"acls[{index}]"
            if not isinstance(grant, dict) or set(grant) != {"principal", "permission"}:
                problems.append(CheckFailure("acls", f"{where}: must be {{principal, permission}}"))
                continue
            if reason := payloads.names.principal_name_problem(grant["principal"]):
                problems.append(CheckFailure("acls", f"{where}.principal: {reason}"))
            if grant["permission"] not in payloads.secrets.ACL_ORDER:
                problems.append(CheckFailure("acls", f"{where}.permission: must be READ, WRITE or MANAGE"))
            if grant["principal"] in seen:
                problems.append(CheckFailure("acls", f"{where}.principal: {grant['principal']} is declared twice"))
            seen.add(grant["principal"])
        if not problems and not olds and isinstance(scope, str) and not has_unknowns(scope):
            self._announce(scope, acls)
        return problems

    def _announce(self, scope: str, acls: list[Json]) -> None:
        """At the first preview, name the grants that applying the declaration will revoke."""
        client = self.client()
        try:
            live, caller = client.list_acls(scope), self.principal()
        except ApiError:
            return  # the scope does not exist yet (or is not ours to list): nothing to revoke
        known = known_principals(live, caller.name)
        if revoked := undeclared(normalized(acls), live, caller):
            diagnostics.warn(
                f"{self.label({'scope': scope})}: grants not declared, revoked on up: {describe(revoked, known)}"
            )
        for warning in principal_warnings("acls", [g["principal"] for g in normalized(acls)], known):
            diagnostics.warn(f"{self.label({'scope': scope})}: {warning}")

    def plan(self, olds: Json, props: Json) -> Plan:
        return diff_scope_acls(olds, props)

    def label(self, props: Json) -> str:
        return f"SecretScopeAcls {shown(props.get('scope'))}"

    def _apply(self, props: Json) -> Json:
        """Grant what the declaration holds and the scope lacks, then revoke the rest (the calls, decided against
        the live grants, are not narrated: a revoke says which grant it removes)."""
        client, scope = self.client(), props["scope"]
        planned = apply_calls(normalized(props.get("acls")), client.list_acls(scope), self.principal())
        execute(None, planned, _HANDLERS, _GrantsRun(client, scope, self.label(props)))
        return {"scope": scope, "acls": normalized(props.get("acls"))}

    def create(self, props: Json) -> CreateResult:
        outs = self._apply(plain(props))
        return CreateResult(outs["scope"], outs)

    def update(self, id_: str, olds: Json, news: Json) -> UpdateResult:
        return UpdateResult(self._apply(plain(news)))

    def read(self, id_: str, props: Json) -> ReadResult:
        olds = plain(props)
        client = self.client()
        try:
            live = client.list_acls(id_)
        except NotFound:
            return ReadResult("", {})
        caller = self.principal()
        declared_self = [g for g in normalized(olds.get("acls")) if g["principal"] == caller.name]
        outs = {"scope": id_, "acls": normalized(visible(live, caller) + declared_self)}
        return ReadResult(id_, outs, dict(outs))

    def delete(self, id_: str, props: Json) -> None:
        """Leaves the grants in place: deleting the declaration stops managing them, it revokes nothing."""


@dataclass
class _GrantsRun:
    """The scope whose grants the calls put and revoke."""

    client: ServingClient
    scope: str
    label: str


def _grant(call: Call, run: _GrantsRun) -> None:
    run.client.put_acl(run.scope, call.body["principal"], call.body["permission"])


def _revoke(call: Call, run: _GrantsRun) -> None:
    diagnostics.info(f"{run.label}: revoking the undeclared grant of {call.body}")
    run.client.delete_acl(run.scope, call.body)


_HANDLERS: dict[Api, Handler[_GrantsRun]] = {api_paths.PUT_ACL: _grant, api_paths.DELETE_ACL: _revoke}


class SecretScopeAcls(Resource, module="serving", name="SecretScopeAcls"):
    """Exactly ``acls`` (``[{"principal", "permission"}]``) on ``scope``; other grants are revoked, except the
    caller's own (kept, with MANAGE, so a stack never locks itself out)."""

    scope: pulumi.Output[str]
    acls: pulumi.Output[list]

    def __init__(
        self,
        resource_name: str,
        *,
        scope: pulumi.Input[str],
        acls: pulumi.Input[list],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(SecretScopeAclsProvider(), resource_name, {"scope": scope, "acls": acls}, opts)
