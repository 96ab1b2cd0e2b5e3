"""Injected control-plane faults (state only, no HTTP): the next N matching requests answer an error.

Tests of client retries arm a :class:`FaultRule` (status, count, Retry-After, method, path prefix);
:meth:`FaultPlan.take` consumes one use of the first armed rule matching a request and returns the
Databricks-shaped :class:`InjectedError` to answer instead of serving it, or, with ``after_commit``, after
serving it (the write is committed and acknowledged internally, but its answer is lost on the way back).
State lives in memory, per server process, and is never persisted.
"""

from __future__ import annotations

import itertools
import threading
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..payloads import api_paths
from .errors import BAD_GATEWAY, ApiError, InternalError, RequestLimitExceeded, ResourceConflict, TemporarilyUnavailable

FAULTS_PATH = api_paths.ARM_FAULT.path
DEFAULT_PATH_PREFIX = "/api/2.0/"
_ENDPOINTS_PREFIX = api_paths.LIST_ENDPOINTS.path + "/"
_CODES = {
    429: RequestLimitExceeded.error_code,
    500: InternalError.error_code,
    502: BAD_GATEWAY,
    503: TemporarilyUnavailable.error_code,
}
_UNAVAILABLE = "The service is temporarily unavailable. Please try again later. (injected fault)"
_MESSAGES = {429: "Too many requests. Please wait a moment and try again. (injected fault)"}
_DEFAULT_RETRY_AFTER = {429: 1, 503: 1}


class InjectedError(ApiError):
    """An injected error; ``after_commit`` means the request is served first and only its answer replaced."""

    after_commit: bool = False


class FaultRule(BaseModel):
    """What to inject. ``retry_after`` defaults to 1 s for 429 and 503 and to none otherwise."""

    model_config = ConfigDict(extra="forbid")

    status: Literal[409, 429, 500, 502, 503]
    count: Annotated[int, Field(ge=1, le=1000)] = 1
    retry_after: Annotated[int, Field(ge=0, le=3600)] | None = None
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] | None = None
    path_prefix: Annotated[str, Field(min_length=1, max_length=512)] = DEFAULT_PATH_PREFIX
    after_commit: bool = False

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("path_prefix")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with '/'")
        if value.startswith(FAULTS_PATH):
            raise ValueError(f"must not cover the fault-control path {FAULTS_PATH}")
        return value

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and path.startswith(self.path_prefix)

    def error(self, path: str) -> InjectedError:
        """The error a matching request receives."""
        error = self._error(path)
        error.after_commit = self.after_commit
        return error

    def _error(self, path: str) -> InjectedError:
        retry_after = self.retry_after if self.retry_after is not None else _DEFAULT_RETRY_AFTER.get(self.status)
        if self.status == 409:
            name = path[len(_ENDPOINTS_PREFIX) :].split("/", 1)[0] if path.startswith(_ENDPOINTS_PREFIX) else ""
            subject = f"Endpoint {name}" if name else "The resource"
            return InjectedError(
                f"{subject} is currently updating. Wait for the update to complete "
                "(config_update NOT_UPDATING) before making another update. (injected fault)",
                status=409,
                error_code=ResourceConflict.error_code,
                retry_after=retry_after,
            )
        message = _MESSAGES.get(self.status, _UNAVAILABLE)
        return InjectedError(message, status=self.status, error_code=_CODES[self.status], retry_after=retry_after)


class FaultPlan:
    """Armed rules in arming order; each is dropped once its count is used up. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._armed: dict[int, tuple[FaultRule, int]] = {}

    def arm(self, rule: FaultRule) -> dict[str, Any]:
        with self._lock:
            fault_id = next(self._ids)
            self._armed[fault_id] = (rule, rule.count)
            return self._view(fault_id, rule, rule.count)

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self._view(i, rule, left) for i, (rule, left) in self._armed.items()]

    def clear(self) -> int:
        with self._lock:
            cleared = len(self._armed)
            self._armed.clear()
            return cleared

    def take(self, method: str, path: str) -> InjectedError | None:
        """Use one of the first matching rule and return its error; None when nothing matches."""
        if not self._armed or path.startswith(FAULTS_PATH):
            return None
        with self._lock:
            for fault_id, (rule, left) in self._armed.items():
                if rule.matches(method, path):
                    if left <= 1:
                        del self._armed[fault_id]
                    else:
                        self._armed[fault_id] = (rule, left - 1)
                    return rule.error(path)
        return None

    @staticmethod
    def _view(fault_id: int, rule: FaultRule, left: int) -> dict[str, Any]:
        return {"id": fault_id, "remaining": left, **rule.model_dump()}
