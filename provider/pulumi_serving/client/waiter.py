"""Wait for an endpoint's config update to finish, with backoff, visible progress and its own timeout."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from .api import ServingClient
from .errors import UpdateFailed, WaitTimeout

Progress = Callable[[str], None]
Clock = Callable[[], float]
Sleep = Callable[[float], None]

FAILED_STATES = ("UPDATE_FAILED", "UPDATE_CANCELED")


def print_progress(line: str) -> None:
    """Default progress sink: stderr of the provider process, which the Pulumi CLI shows."""
    print(f"pulumi-serving: {line}", file=sys.stderr, flush=True)


def config_update_state(endpoint: dict[str, Any]) -> str:
    return str((endpoint.get("state") or {}).get("config_update") or "NOT_UPDATING")


def wait_not_updating(client: ServingClient, name: str, *, timeout: float, progress: Progress = print_progress,
                      poll_min: float = 0.2, poll_max: float = 5.0, clock: Clock = time.monotonic,
                      sleep: Sleep = time.sleep) -> dict[str, Any]:
    """Poll GET until ``state.config_update == NOT_UPDATING`` and return that endpoint body.

    Raises :class:`UpdateFailed` on UPDATE_FAILED/UPDATE_CANCELED and :class:`WaitTimeout` after
    ``timeout`` seconds (the endpoint keeps rolling out; waiting again later resumes).
    """
    start = clock()
    delay = poll_min
    announced = False
    while True:
        endpoint = client.get_endpoint(name)
        state = config_update_state(endpoint)
        if state == "NOT_UPDATING":
            if announced:
                progress(f"endpoint {name!r} is ready after {clock() - start:.1f}s")
            return endpoint
        if state in FAILED_STATES:
            raise UpdateFailed(f"endpoint {name!r}: config update ended in {state}{_state_message(endpoint)}")
        elapsed = clock() - start
        if elapsed >= timeout:
            raise WaitTimeout(
                f"endpoint {name!r} is still {state} after waiting {elapsed:.0f}s (wait_timeout={timeout:g}s); "
                "the update continues on the server and the next `pulumi up` resumes waiting")
        if not announced or delay >= poll_max:
            progress(f"waiting for endpoint {name!r}: config_update={state} ({elapsed:.0f}s elapsed)")
            announced = True
        sleep(min(delay, max(0.0, timeout - elapsed)))
        delay = min(poll_max, delay * 1.5)


def _state_message(endpoint: dict[str, Any]) -> str:
    pending = endpoint.get("pending_config") or endpoint.get("config") or {}
    for entity in pending.get("served_entities") or []:
        message = (entity.get("state") or {}).get("deployment_state_message")
        if message:
            return f": {message}"
    return ""
