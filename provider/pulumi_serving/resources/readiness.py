"""EndpointsReady: wait for many endpoints at once, so N endpoints cost one wait instead of N/4 waits.

The dynamic provider host runs at most 4 calls at once. Endpoints declared with ``wait=False`` are
created in a few milliseconds each; this single resource then polls all of them together. It depends
on each endpoint's ``config_version``, so any config update makes it wait again. On timeout it fails
clearly; the endpoints stay in state and the next ``up`` resumes waiting here.
"""

from __future__ import annotations

import time

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from ..client import ServingClient, UpdateFailed, WaitTimeout
from ..client.waiter import FAILED_STATES, config_update_state
from ..plan import diff_readiness
from ._provider import DEFAULT_WAIT_TIMEOUT, Json, ServingProvider, diff_result, plain, progress

INPUTS = ("endpoints", "wait_timeout")
OUTCOME_INPUTS = ("endpoint", "pending")


def wait_all(client: ServingClient, names: list[str], timeout: float, poll: float = 0.5) -> None:
    """Poll every endpoint until none is updating; raise on failure or after ``timeout`` seconds."""
    pending, start, last_report = set(names), time.monotonic(), 0.0
    while pending:
        for name in sorted(pending):
            state = config_update_state(client.get_endpoint(name))
            if state in FAILED_STATES:
                raise UpdateFailed(f"endpoint {name!r}: config update ended in {state}")
            if state == "NOT_UPDATING":
                pending.discard(name)
        elapsed = time.monotonic() - start
        if not pending:
            break
        if elapsed >= timeout:
            raise WaitTimeout(f"{len(pending)} endpoint(s) still updating after {elapsed:.0f}s (wait_timeout="
                              f"{timeout:g}s): {', '.join(sorted(pending))}; the next `pulumi up` resumes waiting")
        if elapsed - last_report >= 5 or last_report == 0.0:
            progress(f"waiting for {len(pending)}/{len(names)} endpoint(s) to finish updating ({elapsed:.0f}s)")
            last_report = elapsed or 0.001
        time.sleep(min(poll, max(0.0, timeout - elapsed)))
    progress(f"{len(names)} endpoint(s) ready after {time.monotonic() - start:.1f}s")


class EndpointsReadyProvider(ServingProvider):
    """CRUD for ``pulumi-python:dynamic/serving:EndpointsReady`` (no server object: a wait only)."""

    def check(self, olds: Json, news: Json) -> CheckResult:
        props = plain(news)
        problems = []
        timeout = props.get("wait_timeout", DEFAULT_WAIT_TIMEOUT)
        if not isinstance(timeout, (int, float)) or timeout <= 0:
            problems.append(CheckFailure("wait_timeout", "wait_timeout: must be a positive number of seconds"))
        return CheckResult(props, problems)

    def diff(self, id_: str, olds: Json, news: Json):
        return diff_result(diff_readiness(plain(olds), plain(news)), same_identity=True, label="EndpointsReady")

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

    def diff(self, id_: str, olds: Json, news: Json):
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
