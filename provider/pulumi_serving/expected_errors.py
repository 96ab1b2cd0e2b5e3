"""Expected failures reach the engine as their message alone, from the dynamic-provider process.

Newer pulumi SDKs answer every failed provider call with the Python traceback (``traceback.format_exc()``), so a
refused token, a name already taken or a timed-out wait reached the user as a dozen lines of traceback around the
one that says what to do (docs/pulumi-engine.md#errors). Inside the provider process only, the host module's
``traceback`` is given a ``format_exc`` that returns the message alone for the failures this package expects
(the serving API client's errors, credentials, a plan refused) and the full traceback for anything else, where
it helps to find a bug. Older SDKs let the exception reach gRPC, which sends it as ``Exception calling
application: <message>`` (and logs its traceback): there gRPC's server calls each handler through a wrapper that
ends an expected failure with its message as the call's status (the host's handlers were bound before this package
loads, so that call is the one place left to do it).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from functools import wraps
from types import ModuleType
from typing import Any

from .client import CredentialsError, ServingError


class Refused(ValueError):
    """A declaration the plan cannot apply (its message names the field, the reason and what to do)."""


EXPECTED: tuple[type[BaseException], ...] = (ServingError, CredentialsError, Refused)


class _MessagesForExpected:
    """Stands in for the ``traceback`` module in the provider host: ``format_exc`` is quiet for expected errors."""

    def __init__(self, real: ModuleType) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def format_exc(self, *args: Any, **kwargs: Any) -> str:
        error = sys.exc_info()[1]
        if isinstance(error, EXPECTED):
            return str(error)
        return str(self._real.format_exc(*args, **kwargs))


def _ending_expected_failures(behavior: Callable[..., Any], status: Any) -> Callable[..., Any]:
    """A gRPC method handler that ends an expected failure with ``status`` and its message."""

    def served(argument: Any, context: Any, *more: Any) -> Any:
        try:
            return behavior(argument, context, *more)
        except EXPECTED as error:
            context.abort(status, str(error))  # raises; gRPC sends this status and these details

    return served


def _end_expected_failures_in_grpc() -> bool:
    """gRPC's server sends an exception raised by a handler as ``Exception calling application: ...`` (and logs
    its traceback); every handler of this process is given :func:`_ending_expected_failures` where it is called.
    Only when gRPC's server module calls handlers the way this expects (its ``behavior`` argument)."""
    try:
        import grpc  # type: ignore[import-untyped]
        from grpc import _server
    except ImportError:
        return False
    call = getattr(_server, "_call_behavior", None)
    if call is None or getattr(call, "ends_expected_failures", False):
        return False
    if list(inspect.signature(call).parameters)[2:3] != ["behavior"]:
        return False

    @wraps(call)
    def call_behavior(rpc_event: Any, state: Any, behavior: Any, *args: Any, **kwargs: Any) -> Any:
        return call(rpc_event, state, _ending_expected_failures(behavior, grpc.StatusCode.UNKNOWN), *args, **kwargs)

    call_behavior.ends_expected_failures = True  # type: ignore[attr-defined]
    _server._call_behavior = call_behavior
    return True


def install(host: ModuleType | None = None) -> bool:
    """Make the dynamic-provider host report expected failures by message; True when it was installed."""
    host = sys.modules.get("__main__") if host is None else host
    real = getattr(host, "traceback", None)
    if host is not None and hasattr(host, "_abort_with_traceback") and isinstance(real, ModuleType):
        host.traceback = _MessagesForExpected(real)  # type: ignore[attr-defined]
        return True
    if getattr(host, "DynamicResourceProviderServicer", None) is None:
        return False  # not the provider host, or installed before
    return _end_expected_failures_in_grpc()
