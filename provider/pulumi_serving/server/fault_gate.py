"""ASGI middleware answering injected faults (:mod:`.faults`) before a request reaches the routes."""

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
        else:
            await send_error(send, error)
