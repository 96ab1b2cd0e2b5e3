"""The one executor of planned calls: each is announced as a diagnostic of its resource, then sent by the handler
its resource's table names for its :class:`~pulumi_serving.payloads.api_paths.Api`. It decides nothing (the plan
did); a handler may still find there is nothing to write (the server has the value already) and say so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from ..payloads.api_paths import Api
from ..plan import Call
from . import diagnostics

Run = TypeVar("Run")
Handler = Callable[[Call, Run], None]
"""Sends one call; what later calls or the outputs need (an endpoint read back, an id) it keeps on the run."""


class UnhandledCall(LookupError):
    """A planned call whose ``Api`` the resource's handler table has no handler for (a planner bug)."""


def execute(label: str | None, planned: Sequence[Call], handlers: Mapping[Api, Handler[Run]], run: Run) -> Run:
    """Send ``planned`` in order, each announced as ``{label}: {call.describe()}`` (``label=None``: a create whose
    calls are not narrated), and return ``run`` as the handlers left it. A call without a handler is refused before
    any is sent."""
    if unhandled := [str(call.api) for call in planned if call.api not in handlers]:
        raise UnhandledCall(f"{label or 'a resource'}: no handler for the planned {', '.join(unhandled)}")
    for call in planned:
        if label is not None:
            diagnostics.info(f"{label}: {call.describe()}")
        handlers[call.api](call, run)
    return run
