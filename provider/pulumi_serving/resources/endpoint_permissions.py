"""EndpointPermissions: the direct grants (CAN_VIEW / CAN_QUERY / CAN_MANAGE) of one serving endpoint.

Authoritative like Terraform's ``databricks_permissions``: grants made behind Pulumi's back show on
refresh and are removed by the next ``up``, except the calling principal's own CAN_MANAGE, which is
never removed (a stack cannot lock itself out). Grants inherited from the workspace are not touched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, Resource, UpdateResult

from .. import payloads
from ..client import NotFound, ServingClient
from ..generated_args import AccessControlArgs
from ..payloads import api_paths
from ..payloads.api_paths import Api
from ..plan import Call, Plan, plan_permissions
from ..plan.permissions import (
    apply_calls,
    caller_rejections,
    direct_grants,
    grants,
    managed_view,
    principal,
    set_body,
)
from ..plan.principal_warnings import principal_warnings
from . import diagnostics
from .executor import Handler, execute
from .provider_base import EndpointSettingProvider, Json, endpoint_inputs, failures, has_unknowns, plain

if TYPE_CHECKING:
    from .serving_endpoint import ServingEndpoint

INPUTS = ("endpoint", "endpoint_id", "access_control_list")


class EndpointPermissionsProvider(EndpointSettingProvider):
    """CRUD for ``pulumi-python:dynamic/serving:EndpointPermissions``: executes the planner's calls."""

    kind, inputs = "EndpointPermissions", INPUTS

    def check_setting(self, olds: Json, props: Json) -> list[CheckFailure]:
        acl = props.get("access_control_list")
        if not isinstance(acl, list):
            return [CheckFailure("access_control_list", "access_control_list: must be a list of grants")]
        if has_unknowns(acl):
            return []
        problems: list[CheckFailure] = []
        for index, entry in enumerate(acl):
            problems += failures(
                "access_control_list",
                payloads.check(payloads.AccessControlRequest, entry, f"access_control_list[{index}]"),
            )
        problems += [CheckFailure("access_control_list", str(r)) for r in caller_rejections(acl, self.caller())]
        if not problems and not olds:
            names = [name for _, name in map(principal, grants(acl)) if name]
            for warning in principal_warnings("access_control_list", names, [self.caller() or ""]):
                diagnostics.warn(f"{self.label(props)}: {warning}")
        return problems

    def plan(self, olds: Json, props: Json) -> Plan:
        return plan_permissions(olds, props)

    def create(self, props: Json) -> CreateResult:
        props = plain(props)
        planned = apply_calls(("access_control_list",), knows_id=bool(props.get("endpoint_id")))
        return CreateResult(props["endpoint"], self._execute(props, props.get("endpoint_id"), planned))

    def update(self, id_: str, olds: Json, news: Json) -> UpdateResult:
        props, olds = plain(news), plain(olds)
        planned = self.plan(olds, props).calls
        return UpdateResult(self._execute(props, props.get("endpoint_id") or olds.get("endpoint_id"), planned))

    def read(self, id_: str, props: Json) -> ReadResult:
        olds = plain(props)
        client = self.client()
        try:
            endpoint_id = client.get_endpoint(olds["endpoint"])["id"]
            live = direct_grants(client.get_permissions(endpoint_id))
        except NotFound:
            return ReadResult("", {})
        outs = self._outputs(olds, endpoint_id, live)
        drifted = any(outs[k] != olds.get(k) for k in ("endpoint_id", "access_control_list"))
        return ReadResult(id_, outs, dict(outs) if drifted else None)

    def delete(self, id_: str, props: Json) -> None:
        """Remove the grants this resource made (the caller keeps its own CAN_MANAGE)."""
        olds = plain(props)
        with contextlib.suppress(NotFound):  # the endpoint is gone, and its grants with it
            self._execute(
                {**olds, "access_control_list": []},
                olds.get("endpoint_id"),
                apply_calls(("access_control_list",), knows_id=False),
            )

    def _execute(self, props: Json, endpoint_id: str | None, planned: list[Call]) -> Json:
        label, caller = self.label(props), self.caller()
        declared = grants(props.get("access_control_list"))
        run = _GrantsRun(self.client(), props["endpoint"], label, caller, declared, endpoint_id)
        execute(label, planned, _HANDLERS, run)
        return self._outputs(props, str(run.endpoint_id), run.live, caller)

    def _outputs(self, props: Json, endpoint_id: str, live: list[Json], caller: str | None = None) -> Json:
        declared = grants(props.get("access_control_list"))
        return {
            "endpoint": props["endpoint"],
            "endpoint_id": endpoint_id,
            "access_control_list": managed_view(live, declared, caller or self.caller()),
        }


@dataclass
class _GrantsRun:
    """What the calls of an EndpointPermissions share: the declared grants, the endpoint's id, the live grants."""

    client: ServingClient
    name: str
    label: str
    caller: str
    declared: list[Json]
    endpoint_id: str | None
    live: list[Json] = field(default_factory=list)


def _find_id(call: Call, run: _GrantsRun) -> None:
    run.endpoint_id = run.client.get_endpoint(run.name)["id"]


def _read(call: Call, run: _GrantsRun) -> None:
    run.live = direct_grants(run.client.get_permissions(str(run.endpoint_id)))


def _write(call: Call, run: _GrantsRun) -> None:
    body = set_body(run.declared, run.live, run.caller)
    if body["access_control_list"] == run.live:  # e.g. adopted: taking over changes nothing
        diagnostics.info(f"{run.label}: the endpoint has these grants already: nothing to write")
        return
    run.live = direct_grants(run.client.set_permissions(str(run.endpoint_id), body))


_HANDLERS: dict[Api, Handler[_GrantsRun]] = {
    api_paths.GET_ENDPOINT: _find_id,
    api_paths.GET_PERMISSIONS: _read,
    api_paths.SET_PERMISSIONS: _write,
}


class EndpointPermissions(Resource, module="serving", name="EndpointPermissions"):
    """Direct grants of a serving endpoint: ``access_control_list=[{user_name | group_name |
    service_principal_name, permission_level}]`` with levels CAN_VIEW, CAN_QUERY, CAN_MANAGE.

    ``endpoint`` is a ServingEndpoint (its grants are set again when it is recreated) or an endpoint name.
    """

    endpoint: pulumi.Output[str]
    endpoint_id: pulumi.Output[str]
    access_control_list: pulumi.Output[list]

    def __init__(
        self,
        resource_name: str,
        *,
        endpoint: ServingEndpoint | pulumi.Input[str],
        access_control_list: pulumi.Input[Sequence[pulumi.Input[AccessControlArgs]]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name, endpoint_id = endpoint_inputs(endpoint)
        super().__init__(
            EndpointPermissionsProvider(),
            resource_name,
            {"endpoint": name, "endpoint_id": endpoint_id, "access_control_list": access_control_list},
            opts,
        )
