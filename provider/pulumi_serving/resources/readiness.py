"""EndpointsReady: wait for many endpoints at once, so N endpoints cost one wait instead of N/4 waits.

The dynamic provider host runs at most 4 calls at once. Endpoints declared with ``wait=False`` are
created in a few milliseconds each; this single resource then polls all of them together. It depends
on each endpoint's ``config_version``, so any config update makes it wait again. On timeout it fails
clearly; the endpoints stay in state and the next ``up`` resumes waiting here.
"""

from __future__ import annotations

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from ..client import ServingClient, UpdateFailed, WaitTimeout
from ..client.waiter import wait_endpoints
from ..plan import Plan, diff_readiness
from .provider_base import DEFAULT_WAIT_TIMEOUT, Json, ServingProvider, plain

INPUTS = ("endpoints", "wait_timeout")
OUTCOME_INPUTS = ("endpoint", "pending")


def wait_all(client: ServingClient, names: list[str], timeout: float) -> None:
    """Wait for every endpoint at once; raise naming each endpoint that failed or is still updating."""
    errors = [o.error for o in wait_endpoints(client, names, timeout=timeout).values() if o.error is not None]
    if any(isinstance(e, UpdateFailed) for e in errors):
        raise UpdateFailed("; ".join(map(str, errors)))
    if errors:
        raise WaitTimeout("; ".join(map(str, errors)))


class EndpointsReadyProvider(ServingProvider):
    """CRUD for ``pulumi-python:dynamic/serving:EndpointsReady`` (no server object: a wait only)."""

    kind, inputs = "EndpointsReady", INPUTS

    def check_inputs(self, olds: Json, props: Json) -> list[CheckFailure]:
        timeout = props.get("wait_timeout", DEFAULT_WAIT_TIMEOUT)
        if not isinstance(timeout, (int, float)) or timeout <= 0:
            return [CheckFailure("wait_timeout", "wait_timeout: must be a positive number of seconds")]
        return []

    def plan(self, olds: Json, props: Json) -> Plan:
        return diff_readiness(olds, props)

    def create(self, props: Json) -> CreateResult:
        props = plain(props)
        self._wait(props)
        return CreateResult("ready", props)

    def update(self, id_: str, olds: Json, news: Json) -> UpdateResult:
        props = plain(news)
        self._wait(props)
        return UpdateResult(props)

    def read(self, id_: str, props: Json) -> ReadResult:
        outs = plain(props)
        return ReadResult(id_, outs, dict(outs))

    def delete(self, id_: str, props: Json) -> None:
        return None

    def _wait(self, props: Json) -> None:
        names = sorted({e["name"] for e in props.get("endpoints") or []})
        if names:
            wait_all(self.client(), names, float(props.get("wait_timeout") or DEFAULT_WAIT_TIMEOUT))


class EndpointsReady(Resource, module="serving", name="EndpointsReady"):
    """Completes when every listed endpoint has finished its config update."""

    def __init__(self, resource_name: str, *, endpoints: list, wait_timeout: float = DEFAULT_WAIT_TIMEOUT,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        tracked = [{"name": e.endpoint_name, "config_version": e.config_version} for e in endpoints]
        super().__init__(EndpointsReadyProvider(), resource_name,
                         {"endpoints": tracked, "wait_timeout": wait_timeout}, opts)


class EndpointWaitOutcomeProvider(ServingProvider):
    """CRUD for ``pulumi-python:dynamic/serving:EndpointWaitOutcome``: no API call, it reports a failed wait."""

    kind, inputs = "EndpointWaitOutcome", OUTCOME_INPUTS

    def diff(self, id_: str, olds: Json, news: Json) -> DiffResult:
        """Silent: no API call, only the outcome of the endpoint's wait changes."""
        olds, news = plain(olds), plain(news)
        changed = {k: news.get(k) for k in OUTCOME_INPUTS} != {k: olds.get(k) for k in OUTCOME_INPUTS}
        return DiffResult(changes=changed, replaces=[], delete_before_replace=False)

    def create(self, props: Json) -> CreateResult:
        return CreateResult("outcome", self._outcome(plain(props)))

    def update(self, id_: str, olds: Json, news: Json) -> UpdateResult:
        return UpdateResult(self._outcome(plain(news)))

    def read(self, id_: str, props: Json) -> ReadResult:
        return ReadResult(id_, plain(props))

    def delete(self, id_: str, props: Json) -> None:
        return None

    @staticmethod
    def _outcome(props: Json) -> Json:
        if props.get("pending"):
            raise WaitTimeout(f"ServingEndpoint {props.get('endpoint')!r} was created and is in the stack's state, "
                              f"but {props['pending']}. Run `pulumi up` again to resume waiting (raise wait_timeout "
                              "if the update needs longer), or `pulumi destroy` to delete the endpoint.")
        return {k: props.get(k) for k in OUTCOME_INPUTS}


class EndpointWaitOutcome(Resource, module="serving", name="EndpointWaitOutcome"):
    """Fails the ``up`` in which a ServingEndpoint's create could not finish waiting (the endpoint stays in state)."""

    def __init__(self, resource_name: str, *, endpoint: pulumi.Input[str], pending: pulumi.Input[str],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(EndpointWaitOutcomeProvider(), resource_name, {"endpoint": endpoint, "pending": pending},
                         opts)
