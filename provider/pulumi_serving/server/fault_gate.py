"""ASGI middleware answering injected faults (:mod:`.faults`) instead of (or, ``after_commit``, after) the routes."""

from __future__ import annotations

from typing import Any

from .faults import FaultPlan
from .guard import send_error


class FaultGate:
    def __init__(self, app: Any, plan: FaultPlan):
        self.app = app
        self.plan = plan

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        error = self.plan.take(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if error is None:
            await self.app(scope, receive, send)
            return
        if error.after_commit:
            await self.app(scope, receive, _discard)  # served and committed; its answer is lost
        await send_error(send, error)


async def _discard(message: dict[str, Any]) -> None:
    return None
