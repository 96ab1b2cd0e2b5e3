"""Wait for endpoints' config updates to finish, with backoff, visible progress and its own timeout.

One polling loop (:func:`wait_endpoints`) serves one endpoint or many; :func:`wait_not_updating` is its
single-endpoint form that raises. :func:`progress` is the one printer of progress lines.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .api import ServingClient
from .errors import UpdateFailed, WaitTimeout

Progress = Callable[[str], None]
Clock = Callable[[], float]
Sleep = Callable[[float], None]
Json = dict[str, Any]

FAILED_STATES = ("UPDATE_FAILED", "UPDATE_CANCELED")


def progress(line: str) -> None:
    """A progress line on the provider's stderr, which the Pulumi CLI shows while the operation runs."""
    print(f"pulumi-serving: {line}", file=sys.stderr, flush=True)


def config_update_state(endpoint: Json) -> str:
    return str((endpoint.get("state") or {}).get("config_update") or "NOT_UPDATING")


@dataclass(frozen=True)
class WaitOutcome:
    """How one endpoint's wait ended: its last body, and the error when it did not become NOT_UPDATING."""

    name: str
    endpoint: Json
    error: UpdateFailed | WaitTimeout | None = None


def wait_endpoints(
    client: ServingClient,
    names: Iterable[str],
    *,
    timeout: float,
    report: Progress = progress,
    report_ready: Progress | None = None,
    poll_min: float = 0.2,
    poll_max: float = 5.0,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> dict[str, WaitOutcome]:
    """Poll every endpoint until ``state.config_update`` is NOT_UPDATING, failed, or ``timeout`` passed.

    ``report`` gets the waiting lines, ``report_ready`` (``report`` when not given) the closing one.

    Never raises for an endpoint's own outcome: each gets a :class:`WaitOutcome` (error set on
    UPDATE_FAILED/UPDATE_CANCELED or after ``timeout`` seconds, when the update continues on the server).
    """
    pending = sorted(set(names))
    total, outcomes, start, delay, announced = len(pending), {}, clock(), poll_min, False
    while pending:
        for name in list(pending):
            endpoint = client.get_endpoint(name)
            state = config_update_state(endpoint)
            if state == "NOT_UPDATING" or state in FAILED_STATES:
                error = (
                    UpdateFailed(f"endpoint {name!r}: config update ended in {state}{_state_message(endpoint)}")
                    if state in FAILED_STATES
                    else None
                )
                outcomes[name] = WaitOutcome(name, endpoint, error)
                pending.remove(name)
            else:
                outcomes[name] = WaitOutcome(name, endpoint)
        elapsed = clock() - start
        if not pending:
            break
        if elapsed >= timeout:
            for name in pending:
                state = config_update_state(outcomes[name].endpoint)
                outcomes[name] = WaitOutcome(
                    name,
                    outcomes[name].endpoint,
                    WaitTimeout(
                        f"endpoint {name!r} is still updating (config_update {state}) after waiting {elapsed:.0f}s "
                        f"(wait_timeout={timeout:g}s); the update continues on the server and the next `pulumi up` "
                        "resumes waiting"
                    ),
                )
            break
        if not announced or delay >= poll_max:
            what = f"endpoint {pending[0]!r}" if total == 1 else f"{len(pending)}/{total} endpoint(s)"
            report(f"waiting for {what} to finish updating ({elapsed:.0f}s elapsed)")
            announced = True
        sleep(min(delay, max(0.0, timeout - elapsed)))
        delay = min(poll_max, delay * 1.5)
    if announced and not any(o.error for o in outcomes.values()):
        (report_ready or report)(
            f"{total} endpoint(s) ready after {clock() - start:.1f}s"
            if total > 1
            else f"endpoint {next(iter(outcomes))!r} is ready after {clock() - start:.1f}s"
        )
    return outcomes


def wait_not_updating(
    client: ServingClient,
    name: str,
    *,
    timeout: float,
    progress: Progress = progress,
    poll_min: float = 0.2,
    poll_max: float = 5.0,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> Json:
    """Poll GET until ``state.config_update == NOT_UPDATING`` and return that endpoint body.

    Raises :class:`UpdateFailed` on UPDATE_FAILED/UPDATE_CANCELED and :class:`WaitTimeout` after
    ``timeout`` seconds (the endpoint keeps rolling out; waiting again later resumes).
    """
    outcome = wait_endpoints(
        client, [name], timeout=timeout, report=progress, poll_min=poll_min, poll_max=poll_max, clock=clock, sleep=sleep
    )[name]
    if outcome.error is not None:
        raise outcome.error
    return outcome.endpoint


def _state_message(endpoint: Json) -> str:
    pending = endpoint.get("pending_config") or endpoint.get("config") or {}
    for entity in pending.get("served_entities") or []:
        message = (entity.get("state") or {}).get("deployment_state_message")
        if message:
            return f": {message}"
    return ""
