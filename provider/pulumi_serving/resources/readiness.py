"""EndpointsReady: wait for endpoints' config updates outside their own create and update.

The dynamic provider host runs at most 4 calls at once, so an endpoint's create must not wait: it
only POSTs (milliseconds) and every rollout runs at once. This resource then polls; a ServingEndpoint
with ``wait=True`` gets one as a child, and the stack program uses one for all its endpoints. It depends
on each endpoint's ``config_version``, so any config update makes it wait again. On timeout or failure
it fails naming each endpoint; the endpoints stay in state and the next ``up`` resumes waiting here.
"""

from __future__ import annotations

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, Resource, UpdateResult

from ..client import ServingClient, UpdateFailed, WaitTimeout
from ..client.waiter import wait_endpoints
from ..plan import Plan, plan_readiness
from . import diagnostics
from .provider_base import DEFAULT_WAIT_TIMEOUT, Json, ServingProvider, plain

INPUTS = ("endpoints", "wait_timeout")


def wait_all(client: ServingClient, names: list[str], timeout: float, *, label: str) -> dict[str, Json]:
    """Wait for every endpoint at once and return each one's final ``state``; raise naming each endpoint that
    failed or is still updating, and what to do next. The waiting lines are this resource's passing status, the
    closing one a diagnostic of it."""
    outcomes = wait_endpoints(
        client,
        names,
        timeout=timeout,
        report=lambda line: diagnostics.status(f"{label}: {line}"),
        report_ready=lambda line: diagnostics.info(f"{label}: {line}"),
    )
    failed = {name: o.error for name, o in sorted(outcomes.items()) if o.error is not None}
    if not failed:
        return {
            name: {k: v for k, v in (o.endpoint.get("state") or {}).items() if k in ("ready", "config_update")}
            for name, o in outcomes.items()
        }
    lines = [f"ServingEndpoint {name!r} is in the stack's state, but {error}" for name, error in failed.items()]
    advice = (
        "Run `pulumi up` again to resume waiting (raise wait_timeout if the update needs longer), or "
        "`pulumi destroy` to delete the endpoint."
    )
    kind = UpdateFailed if any(isinstance(e, UpdateFailed) for e in failed.values()) else WaitTimeout
    raise kind("\n".join([*lines, advice]))


class EndpointsReadyProvider(ServingProvider):
    """CRUD for ``pulumi-python:dynamic/serving:EndpointsReady`` (no server object: a wait only)."""

    kind, inputs = "EndpointsReady", INPUTS

    def check_inputs(self, olds: Json, props: Json) -> list[CheckFailure]:
        timeout = props.get("wait_timeout", DEFAULT_WAIT_TIMEOUT)
        if not isinstance(timeout, (int, float)) or timeout <= 0:
            return [CheckFailure("wait_timeout", "wait_timeout: must be a positive number of seconds")]
        return []

    def plan(self, olds: Json, props: Json) -> Plan:
        return plan_readiness(olds, props)

    def create(self, props: Json) -> CreateResult:
        props = plain(props)
        return CreateResult("ready", {**props, "states": self._wait(props)})

    def update(self, id_: str, olds: Json, news: Json) -> UpdateResult:
        props = plain(news)
        return UpdateResult({**props, "states": self._wait(props)})

    def read(self, id_: str, props: Json) -> ReadResult:
        outs = plain(props)
        return ReadResult(id_, outs, {k: outs[k] for k in INPUTS if k in outs})

    def delete(self, id_: str, props: Json) -> None:
        return None

    def _wait(self, props: Json) -> dict[str, Json]:
        names = sorted({e["name"] for e in props.get("endpoints") or []})
        if not names:
            return {}
        timeout = float(props.get("wait_timeout") or DEFAULT_WAIT_TIMEOUT)
        return wait_all(self.client(), names, timeout, label=self.label(props))


class EndpointsReady(Resource, module="serving", name="EndpointsReady"):
    """Completes when every listed endpoint has finished its config update; ``states`` maps each endpoint's
    name to its ``state`` after the wait."""

    states: pulumi.Output[dict]

    def __init__(
        self,
        resource_name: str,
        *,
        endpoints: list,
        wait_timeout: float = DEFAULT_WAIT_TIMEOUT,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        tracked = [{"name": e.endpoint_name, "config_version": e.config_version} for e in endpoints]
        super().__init__(
            EndpointsReadyProvider(),
            resource_name,
            {"endpoints": tracked, "wait_timeout": wait_timeout, "states": None},
            opts,
        )
