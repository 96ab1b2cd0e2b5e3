"""Pulumi diagnostics from inside the dynamic provider: planner lines and warnings attached to their resource.

The dynamic-provider API hands ``check``/``diff``/``create``/... only properties, and ``pulumi.log`` is not
connected to the engine inside the provider process (docs/pulumi-engine.md#diagnostics-from-the-provider). The engine does serve
its ``Log`` call on the address it starts the provider with, and each gRPC request carries the resource's URN:
:func:`current_urn` finds the request being served on this thread, and :func:`info` / :func:`warn` send the
line as a diagnostic of that resource (:func:`status`: an ephemeral one, for progress). ``pulumi preview`` then prints it under "Diagnostics:" on stdout (where
CI and ``pulumi/actions`` read the plan), not on raw stderr. Outside the provider process (unit tests, tools)
the line goes to stderr as before.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from ..client.waiter import progress
from ..engine_watchdog import engine_address

_CHANNEL_LOCK = threading.Lock()
_ENGINE: list[Any] = []  # the engine's Log stub, made on first use (empty outside the provider process)


def current_urn() -> str:
    """The URN of the resource whose gRPC request this thread is serving, or ``""``."""
    frame = sys._getframe(1)
    while frame is not None:
        urn = getattr(frame.f_locals.get("request"), "urn", None)
        if isinstance(urn, str) and urn:
            return urn
        frame = frame.f_back  # type: ignore[assignment]
    return ""


def _engine() -> Any:
    with _CHANNEL_LOCK:
        if not _ENGINE:
            address = engine_address()
            if address is None:
                _ENGINE.append(None)
            else:
                import grpc  # type: ignore[import-untyped]
                from pulumi.runtime.proto import engine_pb2_grpc

                channel = grpc.insecure_channel(f"{address[0]}:{address[1]}")
                _ENGINE.append(engine_pb2_grpc.EngineStub(channel))
        return _ENGINE[0]


def _log(severity: str, message: str, ephemeral: bool = False) -> None:
    engine, urn = _engine(), current_urn()
    if engine is not None and urn:
        from pulumi.runtime.proto import engine_pb2

        try:
            level = getattr(engine_pb2, severity)
            engine.Log(engine_pb2.LogRequest(severity=level, message=message, urn=urn, ephemeral=ephemeral))
            return
        except Exception:
            pass
    progress(f"warning: {message}" if severity == "WARNING" else message)


def info(message: str) -> None:
    """An informational diagnostic of the resource being served (a planned or executed call)."""
    _log("INFO", message)


def status(message: str) -> None:
    """A passing status of the resource being served (how a long wait goes): Pulumi shows it as the resource's
    status while it runs (in a terminal, and as the resource's line on stdout otherwise), not among the
    ``Diagnostics:`` that follow, so a long wait does not pile up lines there."""
    _log("INFO", message, ephemeral=True)


def warn(message: str) -> None:
    """A warning diagnostic of the resource being served (an outage, grants revoked, secrets deleted)."""
    _log("WARNING", message)
