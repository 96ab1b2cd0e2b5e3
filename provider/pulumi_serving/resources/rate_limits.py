"""RateLimits: an endpoint's AI gateway rate limits, written read-modify-write so other gateway sections survive."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, Resource, UpdateResult

from .. import payloads
from ..client import NotFound, ServingClient
from ..generated_args import AiGatewayRateLimitArgs
from ..payloads import api_paths
from ..payloads.api_paths import Api
from ..plan import Call, Plan, normalize, plan_rate_limits
from ..plan.gateway import apply_calls
from . import diagnostics
from .executor import Handler, execute
from .provider_base import EndpointSettingProvider, Json, endpoint_inputs, failures, has_unknowns, plain

if TYPE_CHECKING:
    from .serving_endpoint import ServingEndpoint

INPUTS = ("endpoint", "endpoint_id", "rate_limits")


class RateLimitsProvider(EndpointSettingProvider):
    """CRUD for ``pulumi-python:dynamic/serving:RateLimits``. ``calls: 0`` blocks; it never means unlimited."""

    kind, inputs = "RateLimits", INPUTS

    def check_setting(self, olds: Json, props: Json) -> list[CheckFailure]:
        problems: list[CheckFailure] = []
        limits = props.get("rate_limits")
        if not isinstance(limits, list):
            problems.append(CheckFailure("rate_limits", "rate_limits: must be a list of rate limits"))
        elif not has_unknowns(limits):
            problems += failures("rate_limits", payloads.validate_ai_gateway({"rate_limits": limits}))
        return problems

    def plan(self, olds: Json, props: Json) -> Plan:
        return plan_rate_limits(olds, props)

    def create(self, props: Json) -> CreateResult:
        props = plain(props)
        return CreateResult(props["endpoint"], self._apply(props, apply_calls(("rate_limits",))))

    def update(self, id_: str, olds: Json, news: Json) -> UpdateResult:
        props = plain(news)
        return UpdateResult(self._apply(props, self.plan(plain(olds), props).calls))

    def read(self, id_: str, props: Json) -> ReadResult:
        try:
            endpoint = self.client().get_endpoint(id_)
        except NotFound:
            return ReadResult("", {})
        outs = {
            "endpoint": id_,
            "endpoint_id": endpoint.get("id"),
            "rate_limits": normalize.rate_limits((endpoint.get("ai_gateway") or {}).get("rate_limits")),
        }
        return ReadResult(id_, outs, dict(outs))

    def delete(self, id_: str, props: Json) -> None:
        with contextlib.suppress(NotFound):  # the endpoint is gone, and its limits with it
            self._apply({"endpoint": id_, "rate_limits": []}, apply_calls(("rate_limits",)))

    def _apply(self, props: Json, planned: list[Call]) -> Json:
        """Send the planned calls (read the endpoint's gateway, then PUT it back with these limits, its other
        sections kept); the outputs from what they read and wrote."""
        label = self.label(props)
        run = execute(
            label,
            planned,
            _HANDLERS,
            _LimitsRun(self.client(), props["endpoint"], label, props.get("rate_limits") or []),
        )
        return {
            "endpoint": run.name,
            "endpoint_id": run.live.get("id"),
            "rate_limits": normalize.rate_limits(run.applied.get("rate_limits")),
        }


@dataclass
class _LimitsRun:
    """What the calls of a RateLimits share: the declared limits, the endpoint read, the gateway written."""

    client: ServingClient
    name: str
    label: str
    limits: list[Json]
    live: Json = field(default_factory=dict)
    applied: Json = field(default_factory=dict)


def _read(call: Call, run: _LimitsRun) -> None:
    run.live = run.client.get_endpoint(run.name)


def _write(call: Call, run: _LimitsRun) -> None:
    limits, current = run.limits, run.live.get("ai_gateway") or {}
    if run.live and normalize.rate_limits(current.get("rate_limits")) == normalize.rate_limits(limits):
        diagnostics.info(f"{run.label}: the endpoint has these limits already: nothing to write")
        run.applied = current  # e.g. an adopted endpoint: taking it over changes nothing
        return
    gateway = {k: v for k, v in current.items() if k != "rate_limits"}
    run.applied = run.client.put_ai_gateway(run.name, {**gateway, "rate_limits": limits} if limits else gateway)


_HANDLERS: dict[Api, Handler[_LimitsRun]] = {api_paths.GET_ENDPOINT: _read, api_paths.PUT_AI_GATEWAY: _write}


class RateLimits(Resource, module="serving", name="RateLimits"):
    """AI gateway rate limits of ``endpoint``: ``[{calls|tokens, key, renewal_period, principal}]``.

    ``endpoint`` is a ServingEndpoint (its limits are set again when it is recreated) or an endpoint name.
    """

    endpoint: pulumi.Output[str]
    rate_limits: pulumi.Output[list]

    def __init__(
        self,
        resource_name: str,
        *,
        endpoint: ServingEndpoint | pulumi.Input[str],
        rate_limits: pulumi.Input[Sequence[pulumi.Input[AiGatewayRateLimitArgs]]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name, endpoint_id = endpoint_inputs(endpoint)
        super().__init__(
            RateLimitsProvider(),
            resource_name,
            {"endpoint": name, "endpoint_id": endpoint_id, "rate_limits": rate_limits},
            opts,
        )
