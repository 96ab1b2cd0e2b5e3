"""Expected failures reach the engine as their message alone, from the dynamic-provider process.

Newer pulumi SDKs answer every failed provider call with the Python traceback (``traceback.format_exc()``), so a
refused token, a name already taken or a timed-out wait reached the user as a dozen lines of traceback around the
one that says what to do (docs/pulumi-engine.md#errors). Inside the provider process only, the host module's
``traceback`` is given a ``format_exc`` that returns the message alone for the failures this package expects
(the serving API client's errors, credentials, a plan refused) and the full traceback for anything else, where
it helps to find a bug.
"""

from __future__ import annotations

import sys
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


def install(host: ModuleType | None = None) -> bool:
    """Make the dynamic-provider host report expected failures by message; True when it was installed."""
    host = sys.modules.get("__main__") if host is None else host
    real = getattr(host, "traceback", None)
    if host is None or not hasattr(host, "_abort_with_traceback") or not isinstance(real, ModuleType):
        return False  # not the provider host, an SDK that reports messages already, or installed before
    host.traceback = _MessagesForExpected(real)  # type: ignore[attr-defined]
    return True
