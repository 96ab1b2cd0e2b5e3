"""SecretScope: a Databricks-backed secret scope.

Adopting an existing scope (``adopt=True``) keeps its secrets and its grants, including those of whoever
created it; preview, up and refresh of an adopted scope name the grants held by principals other than the
caller, and ``SecretScopeAcls`` makes the scope's grants authoritative.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, Resource, UpdateResult

from .. import payloads
from ..client import AlreadyExists, ApiError, NotFound, ServingClient, ServingError
from ..payloads import api_paths
from ..payloads.api_paths import Api
from ..payloads.ownership import is_marker_secret, scope_marker_key
from ..payloads.principal_names import ALL_USERS_GROUP
from ..payloads.secret_ref_syntax import format_secret_ref
from ..plan import Call, Plan, plan_scope
from ..plan.adoption import scope_adoption
from ..plan.fields import rule_for
from . import diagnostics
from .executor import Handler, execute
from .ownership import OWNER_INPUT, is_recovered, mark_scope, owner_for, scope_is_unmarked_and_empty, scope_owned_by
from .provider_base import HIDDEN_INPUTS, Json, ServingProvider, has_unknowns, hidden, plain, shown
from .secret_references import register_scope_output, scope_grants_input
from .secret_scope_acls import describe, known_principals

INPUTS = ("scope", "backend_type", "initial_manage_principal", "adopt", "acls_declared", "known_grants", OWNER_INPUT)


class SecretScopeProvider(ServingProvider):
    """CRUD for ``pulumi-python:dynamic/serving:SecretScope``."""

    kind, inputs = "SecretScope", INPUTS

    def check_inputs(self, olds: Json, props: Json) -> list[CheckFailure]:
        problems = []
        scope = props.get("scope")
        if not has_unknowns(scope) and (reason := payloads.names.scope_name_problem(scope)):
            problems.append(CheckFailure("scope", f"scope: {reason}"))
        backend = props.setdefault("backend_type", "DATABRICKS")
        if backend != "DATABRICKS":
            reason = rule_for("SecretScope", "backend_type").reject
            problems.append(CheckFailure("backend_type", f"backend_type: {reason} (got {backend!r})"))
        principal = props.get("initial_manage_principal")
        if principal not in (None, ALL_USERS_GROUP):
            problems.append(
                CheckFailure("initial_manage_principal", "initial_manage_principal: the only accepted value is 'users'")
            )
        if not isinstance(props.get("adopt", False), bool):
            problems.append(CheckFailure("adopt", "adopt: must be true or false"))
        if not problems and props.get("adopt") and not olds and isinstance(scope, str) and not has_unknowns(scope):
            self._preview_adoption(scope, props.get(OWNER_INPUT), replacement=not self.enters_stack(olds))
            if not props.get("acls_declared"):
                self._show_other_grants(scope, "adopting it keeps", props)
        return problems

    def _preview_adoption(self, scope: str, owner: str | None, *, replacement: bool) -> None:
        """At the first preview of an ``adopt`` scope: that it exists, the secrets it keeps, the marker it gets (a
        replacement that finds no scope under the new name is a plain create: nothing to say)."""
        try:
            keys = sorted(str(s.get("key")) for s in self.client().list_secrets(scope))
        except NotFound:
            if not replacement:
                diagnostics.info(f"adopt: no secret scope {scope!r} on the server: `up` creates it")
            return
        marker = scope_marker_key(owner) if owner else None
        shown_keys = [k for k in keys if not is_marker_secret(k)]
        diagnostics.warn(scope_adoption(scope, None if marker in keys else marker, shown_keys))

    def _show_other_grants(self, scope: str, verb: str, props: Json) -> None:
        """A warning naming the grants on ``scope`` held by principals other than the caller that the stack does
        not declare (a ``SecretAcl`` of the program declaring one is in ``known_grants``)."""
        client = self.client()
        try:
            live, caller = client.list_acls(scope), self.principal()
        except ApiError:
            return  # no such scope yet (it will be created), or not ours to list
        declared = props.get("known_grants")
        ours = (
            {g["principal"] for g in declared} if isinstance(declared, list) and not has_unknowns(declared) else set()
        )
        others = [g for g in live if g.get("principal") not in {caller.name, *ours}]
        if others:
            described = describe(others, known_principals(live, caller.name))
            diagnostics.warn(
                f"secret scope {scope!r} exists: {verb} grants this stack does not declare: {described} "
                "(declare SecretScopeAcls to make its grants authoritative)"
            )

    def plan(self, olds: Json, props: Json) -> Plan:
        return plan_scope(olds, props)

    def label(self, props: Json) -> str:
        return f"SecretScope {shown(props.get('scope'))}"

    def create(self, props: Json) -> CreateResult:
        """Create the scope and put its ownership marker. An existing scope is taken over only with adopt, or
        when it is this resource's own: it carries our marker (an interrupted earlier run created it), or it
        did not exist before this create and our POST was retried or failed (its answer was lost)."""
        props = plain(props)
        client, scope, owner = self.client(), props["scope"], props.get(OWNER_INPUT)
        existed_before = _exists(client, scope)
        try:
            client.create_scope(
                scope,
                backend_type=props.get("backend_type"),
                initial_manage_principal=props.get("initial_manage_principal"),
            )
        except AlreadyExists as exc:
            ours = (exc.attempts > 1 and not existed_before) or scope_owned_by(client, scope, owner)
            if not props.get("adopt") and not ours:
                raise AlreadyExists(
                    400,
                    "RESOURCE_ALREADY_EXISTS",
                    f"secret scope {scope!r} already exists and this stack did not create it; set "
                    "adopt=True (`adopt: true` in a stack file) to take it over (adopting keeps its "
                    "secrets and every existing grant, such as its creator's MANAGE; declare "
                    "SecretScopeAcls to revoke grants the stack does not declare), or choose another "
                    "name",
                ) from None
            diagnostics.info(
                f"secret scope {scope!r} already exists: {'adopting' if props.get('adopt') else 'resuming'} it"
            )
            if props.get("adopt") and not props.get("acls_declared"):
                self._show_other_grants(scope, "adopting it kept", props)
            if props.get("initial_manage_principal"):
                client.put_acl(scope, ALL_USERS_GROUP, "MANAGE")
        except ServingError:
            if existed_before or not _exists(client, scope):
                raise
            diagnostics.info(f"secret scope {scope!r} was created although the answer was lost: resuming it")
        mark_scope(client, scope, owner)
        return CreateResult(scope, self._outputs(props))

    def update(self, id_: str, olds: Json, news: Json) -> UpdateResult:
        props, olds = plain(news), plain(olds)
        execute(self.label(props), self.plan(olds, props).calls, _HANDLERS, _ScopeRun(self.client(), props["scope"]))
        return UpdateResult(self._outputs(props))

    def read(self, id_: str, props: Json) -> ReadResult:
        olds = plain(props)
        client = self.client()
        found = next((s for s in client.list_scopes() if s.get("name") == id_), None)
        if found is None:
            return ReadResult("", {})
        if olds.get("adopt") and not olds.get("acls_declared"):
            self._show_other_grants(id_, "it has", olds)
        if is_recovered(props):  # rebuilt from an interrupted create: ours if marked (or empty: see docs)
            if not (scope_owned_by(client, id_, olds.get(OWNER_INPUT)) or scope_is_unmarked_and_empty(client, id_)):
                return ReadResult("", {})
            mark_scope(client, id_, olds.get(OWNER_INPUT))
        outs = {**self._outputs(olds), "scope": id_, "backend_type": found.get("backend_type") or "DATABRICKS"}
        return ReadResult(id_, outs, hidden({k: v for k, v in plain(outs).items() if k in INPUTS}))

    def delete(self, id_: str, props: Json) -> None:
        with contextlib.suppress(NotFound):
            self.client().delete_scope(id_)

    @staticmethod
    def _outputs(props: Json) -> Json:
        return hidden({k: props[k] for k in INPUTS if props.get(k) is not None})


def _exists(client: ServingClient, scope: str) -> bool:
    return any(s.get("name") == scope for s in client.list_scopes())


@dataclass
class _ScopeRun:
    """The scope an update's calls grant or revoke ``users`` MANAGE on (its ``initial_manage_principal``)."""

    client: ServingClient
    scope: str


def _grant_users(call: Call, run: _ScopeRun) -> None:
    run.client.put_acl(run.scope, ALL_USERS_GROUP, "MANAGE")


def _revoke_users(call: Call, run: _ScopeRun) -> None:
    run.client.delete_acl(run.scope, ALL_USERS_GROUP)


_HANDLERS: dict[Api, Handler[_ScopeRun]] = {api_paths.PUT_ACL: _grant_users, api_paths.DELETE_ACL: _revoke_users}


class SecretScope(Resource, module="serving", name="SecretScope"):
    """A secret scope (Databricks backend). Destroying it removes its secrets and ACLs on the server.

    ``config_reference(key)`` is ``{{secrets/<scope>/<key>}}`` of a secret the scope holds that the stack does not
    declare (one made elsewhere, kept by an adopted scope): an endpoint given it depends on the scope and refuses an
    update that deletes the scope.

    ``acls_declared``: a ``SecretScopeAcls`` of this stack manages the scope's grants, so adopting it does not warn
    about grants the stack does not declare (that resource's plan shows them). Without it, the warning leaves out
    the grants declared on the scope by the program's ``SecretAcl`` resources.
    """

    scope: pulumi.Output[str]
    backend_type: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        scope: pulumi.Input[str],
        backend_type: str = "DATABRICKS",
        initial_manage_principal: str | None = None,
        adopt: bool = False,
        acls_declared: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "scope": scope,
            "backend_type": backend_type,
            "initial_manage_principal": initial_manage_principal,
            HIDDEN_INPUTS["adopt"]: adopt,
            HIDDEN_INPUTS["acls_declared"]: acls_declared,
            HIDDEN_INPUTS["known_grants"]: scope_grants_input(self, scope),
            HIDDEN_INPUTS[OWNER_INPUT]: owner_for("SecretScope", resource_name),
        }
        super().__init__(SecretScopeProvider(), resource_name, props, opts)
        register_scope_output(self.scope, self)

    def config_reference(self, key: str) -> pulumi.Output[str]:
        """``{{secrets/<scope>/<key>}}`` of a secret this scope holds that the stack need not declare (one made
        elsewhere): an endpoint given it depends on this scope, and refuses an update that deletes the scope."""
        reference = self.scope.apply(lambda scope: format_secret_ref(scope, key))
        register_scope_output(reference, self)
        return reference
