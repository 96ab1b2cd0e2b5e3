"""SecretAcl: a principal's permission (READ, WRITE, MANAGE) on a secret scope."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, Resource, UpdateResult

from .. import payloads
from ..client import NotFound, ServingClient
from ..payloads import api_paths
from ..payloads.api_paths import Api
from ..plan import Call, Plan, plan_acl
from ..plan.principal_warnings import principal_warnings
from ..plan.secrets import acl_create_calls
from . import diagnostics
from .executor import Handler, execute
from .provider_base import Json, ServingProvider, failures, has_unknowns, plain, shown
from .secret_references import register_grant

INPUTS = ("scope", "principal", "permission")


class SecretAclProvider(ServingProvider):
    """CRUD for ``pulumi-python:dynamic/serving:SecretAcl``."""

    kind, inputs = "SecretAcl", INPUTS

    def check_inputs(self, olds: Json, props: Json) -> list[CheckFailure]:
        problems: list[CheckFailure] = []
        if not has_unknowns(props):
            for problem in payloads.validate_put_acl(props):
                prop = problem.path.split(".")[0].split("[")[0] or "permission"
                problems += failures(prop, [problem])
            if not problems and not olds:
                for warning in principal_warnings("principal", [props["principal"]], [self.principal().name]):
                    diagnostics.warn(f"{self.label(props)}: {warning}")
        return problems

    def plan(self, olds: Json, props: Json) -> Plan:
        return plan_acl(olds, props)

    def label(self, props: Json) -> str:
        return f"SecretAcl {shown(props.get('scope'))}/{shown(props.get('principal'))}"

    def create(self, props: Json) -> CreateResult:
        props = plain(props)
        execute(None, acl_create_calls(), _HANDLERS, _AclRun(self.client(), props))  # a create is not narrated
        return CreateResult(f"{props['scope']}/{props['principal']}", self._outputs(props))

    def update(self, id_: str, olds: Json, news: Json) -> UpdateResult:
        props = plain(news)
        execute(self.label(props), self.plan(plain(olds), props).calls, _HANDLERS, _AclRun(self.client(), props))
        return UpdateResult(self._outputs(props))

    def read(self, id_: str, props: Json) -> ReadResult:
        olds = plain(props)
        try:
            acl = self.client().get_acl(olds["scope"], olds["principal"])
        except NotFound:
            return ReadResult("", {})
        outs = {**self._outputs(olds), "permission": acl.get("permission")}
        return ReadResult(id_, outs, dict(outs))

    def delete(self, id_: str, props: Json) -> None:
        with contextlib.suppress(NotFound):  # the ACL or its scope is already gone
            self.client().delete_acl(props["scope"], props["principal"])

    @staticmethod
    def _outputs(props: Json) -> Json:
        return {k: props[k] for k in INPUTS}


@dataclass
class _AclRun:
    """The declared grant (``scope``, ``principal``, ``permission``), and the permission a read found it holds."""

    client: ServingClient
    props: Json
    held: str | None = None


def _read_held(call: Call, run: _AclRun) -> None:
    try:
        run.held = run.client.get_acl(run.props["scope"], run.props["principal"]).get("permission")
    except NotFound:
        run.held = None


def _put_permission(call: Call, run: _AclRun) -> None:
    if run.held != run.props["permission"]:  # held already (an adopted scope's grant): taking it over changes nothing
        run.client.put_acl(run.props["scope"], run.props["principal"], run.props["permission"])


_HANDLERS: dict[Api, Handler[_AclRun]] = {api_paths.GET_ACL: _read_held, api_paths.PUT_ACL: _put_permission}


class SecretAcl(Resource, module="serving", name="SecretAcl"):
    """Grant ``principal`` (user or group name) ``permission`` on ``scope``. The program's endpoints keep the grant
    (``known_grants``): deleting it while an endpoint references the scope is refused at preview when it is how the
    stack's principal reads the scope."""

    scope: pulumi.Output[str]
    principal: pulumi.Output[str]
    permission: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        scope: pulumi.Input[str],
        principal: pulumi.Input[str],
        permission: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        register_grant(scope, principal, permission)
        super().__init__(
            SecretAclProvider(), resource_name, {"scope": scope, "principal": principal, "permission": permission}, opts
        )
