"""Shared base of the dynamic providers: credentials from ``configure``, a lazily built client, helpers.

Providers are pickled by reference (the classes live in this installed package) and carry nothing
on ``self`` until ``configure`` runs inside the provider process, so no host, token or client is ever
written to state. Methods are thread-safe: the dynamic provider host runs up to 4 calls at once.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from pulumi.dynamic import CheckFailure, ConfigureRequest, DiffResult, ResourceProvider

from ..client import CallCounter, ServingClient, connect
from ..plan import Plan

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN: a value not known at preview
CONFIG_NAMESPACE = "serving"
DEFAULT_WAIT_TIMEOUT = 1200.0

Json = dict[str, Any]


def has_unknowns(value: Any) -> bool:
    if isinstance(value, dict):
        return any(has_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknowns(v) for v in value)
    return value == UNKNOWN


def plain(value: Any) -> Any:
    """Inputs as JSON: integral floats (Pulumi sends every number as a double) back to ints, None dropped."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if v is not None and not k.startswith("__")}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def progress(line: str) -> None:
    """A line the Pulumi CLI shows while the operation runs (provider stderr is passed through)."""
    print(f"pulumi-serving: {line}", file=sys.stderr, flush=True)


def diff_result(plan: Plan, *, same_identity: bool, label: str) -> DiffResult:
    """Explicit DiffResult (never "unknown"); same-name replacements delete first to avoid name clashes."""
    if plan.has_changes:
        for line in plan.describe():
            progress(f"{label}: {line}")
    replaces = plan.replace_properties
    return DiffResult(changes=plan.has_changes, replaces=replaces,
                      delete_before_replace=bool(replaces) and same_identity)


def failures(prefix: str, problems: list[Any]) -> list[CheckFailure]:
    """spec Problems -> CheckFailures on the top-level property ``prefix`` with the full field path."""
    out = []
    for problem in problems:
        path = getattr(problem, "path", "")
        full = f"{prefix}.{path}" if path and not path.startswith(prefix) else (path or prefix)
        out.append(CheckFailure(prefix, f"{full}: {getattr(problem, 'message', problem)}"))
    return out


class ServingProvider(ResourceProvider):
    """Base provider: ``serving:host`` / ``serving:token`` / ``serving:profile`` from stack config, else
    DATABRICKS_HOST / DATABRICKS_TOKEN / ~/.databrickscfg (resolved by databricks-sdk) at first use."""

    serialize_as_secret_always = False  # pickled by reference, nothing secret inside

    #: optional process-wide counter of API calls (benchmarks and tests set it)
    counter: CallCounter | None = None

    def configure(self, req: ConfigureRequest) -> None:
        self._settings = {key: req.config.get(f"{CONFIG_NAMESPACE}:{key}") for key in ("host", "token", "profile")}

    def client(self) -> ServingClient:
        """The provider's client, built once per process on first use."""
        lock = self.__dict__.setdefault("_lock", threading.Lock())
        with lock:
            existing = self.__dict__.get("_client")
            if existing is None:
                settings = self.__dict__.get("_settings") or {}
                counter = type(self).counter or ServingProvider.counter
                if counter is None and os.environ.get("PULUMI_SERVING_CALL_LOG"):
                    counter = CallCounter(os.environ["PULUMI_SERVING_CALL_LOG"])
                existing = connect(settings.get("host"), settings.get("token"), profile=settings.get("profile"),
                                   counter=counter, on_retry=progress)
                self._client = existing
            return existing

    def __getstate__(self) -> Json:
        # Only configuration-free state is ever pickled (the program side never configures).
        return {}
