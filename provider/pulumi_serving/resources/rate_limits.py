"""RateLimits: an endpoint's AI gateway rate limits, written read-modify-write so other gateway sections survive."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, Resource, UpdateResult

from .. import spec
from ..args import AiGatewayRateLimitArgs
from ..client import NotFound, ServingClient
from ..plan import Plan, diff_rate_limits
from ..plan import normalize
from .provider_base import Json, ServingProvider, failures, has_unknowns, plain, progress, shown

INPUTS = ("endpoint", "rate_limits")


class RateLimitsProvider(ServingProvider):
    """CRUD for ``pulumi-python:dynamic/serving:RateLimits``. ``calls: 0`` blocks; it never means unlimited."""

    kind, inputs = "RateLimits", INPUTS

    def check_inputs(self, olds: Json, props: Json) -> list[CheckFailure]:
        problems = []
        endpoint = props.get("endpoint")
        if not has_unknowns(endpoint) and (reason := spec.names.endpoint_name_problem(endpoint)):
            problems.append(CheckFailure("endpoint", f"endpoint: {reason}"))
        limits = props.get("rate_limits")
        if not isinstance(limits, list):
            problems.append(CheckFailure("rate_limits", "rate_limits: must be a list of rate limits"))
        elif not has_unknowns(limits):
            problems += failures("rate_limits", spec.validate_ai_gateway({"rate_limits": limits}))
        return problems

    def plan(self, olds: Json, props: Json) -> Plan:
        return diff_rate_limits(olds, props)

    def label(self, props: Json) -> str:
        return f"RateLimits {shown(props.get('endpoint'))}"

    def create(self, props: Json) -> CreateResult:
        props = plain(props)
        return CreateResult(props["endpoint"], self._put(self.client(), props["endpoint"], props["rate_limits"]))

    def update(self, id_: str, olds: Json, news: Json) -> UpdateResult:
        props = plain(news)
        return UpdateResult(self._put(self.client(), props["endpoint"], props["rate_limits"]))

    def read(self, id_: str, props: Json) -> ReadResult:
        try:
            endpoint = self.client().get_endpoint(id_)
        except NotFound:
            return ReadResult("", {})
        outs = {"endpoint": id_,
                "rate_limits": normalize.rate_limits((endpoint.get("ai_gateway") or {}).get("rate_limits"))}
        return ReadResult(id_, outs, dict(outs))

    def delete(self, id_: str, props: Json) -> None:
        try:
            self._put(self.client(), id_, [])
        except NotFound:
            pass  # the endpoint is gone, and its limits with it

    @staticmethod
    def _put(client: ServingClient, name: str, limits: list[Json]) -> Json:
        gateway = dict(client.get_endpoint(name).get("ai_gateway") or {})
        if limits:
            gateway["rate_limits"] = limits
        else:
            gateway.pop("rate_limits", None)
        applied = client.put_ai_gateway(name, gateway)
        progress(f"rate limits of endpoint {name!r}: {len(limits)} limit(s) applied")
        return {"endpoint": name, "rate_limits": normalize.rate_limits(applied.get("rate_limits"))}


class RateLimits(Resource, module="serving", name="RateLimits"):
    """AI gateway rate limits of ``endpoint``: ``[{calls|tokens, key, renewal_period, principal}]``."""

    endpoint: pulumi.Output[str]
    rate_limits: pulumi.Output[list]

    def __init__(self, resource_name: str, *, endpoint: pulumi.Input[str],
                 rate_limits: pulumi.Input[Sequence[pulumi.Input[AiGatewayRateLimitArgs]]],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(RateLimitsProvider(), resource_name, {"endpoint": endpoint, "rate_limits": rate_limits},
                         opts)
