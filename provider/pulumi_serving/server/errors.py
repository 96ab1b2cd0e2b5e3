"""API errors in the Databricks shape ``{"error_code", "message"}`` with their HTTP status (docs/databricks-api.md#errors)."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answered to the client. Messages must never contain secret values or tokens."""

    status: int = 400
    error_code: str = "BAD_REQUEST"

    def __init__(
        self, message: str, *, status: int | None = None, error_code: str | None = None, retry_after: int | None = None
    ):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if error_code is not None:
            self.error_code = error_code
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        return {"error_code": self.error_code, "message": self.message}

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}


class InvalidParameterValue(ApiError):
    error_code = "INVALID_PARAMETER_VALUE"


class MalformedRequest(ApiError):
    error_code = "MALFORMED_REQUEST"


class BadRequest(ApiError):
    error_code = "BAD_REQUEST"


class ResourceDoesNotExist(ApiError):
    status = 404
    error_code = "RESOURCE_DOES_NOT_EXIST"


class ResourceAlreadyExists(ApiError):
    """409 for serving endpoints; the secrets API uses 400 (pass ``status=400``)."""

    status = 409
    error_code = "RESOURCE_ALREADY_EXISTS"


class ResourceConflict(ApiError):
    status = 409
    error_code = "RESOURCE_CONFLICT"


class ResourceLimitExceeded(ApiError):
    error_code = "RESOURCE_LIMIT_EXCEEDED"


class PermissionDenied(ApiError):
    status = 403
    error_code = "PERMISSION_DENIED"


class Unauthenticated(ApiError):
    status = 401
    error_code = "UNAUTHENTICATED"


class RequestLimitExceeded(ApiError):
    """429; always carries ``Retry-After``."""

    status = 429
    error_code = "REQUEST_LIMIT_EXCEEDED"

    def __init__(self, message: str, *, retry_after: int = 1):
        super().__init__(message, retry_after=max(1, int(retry_after)))


class RequestTooLarge(ApiError):
    status = 413
    error_code = "BAD_REQUEST"


class RequestTimeout(ApiError):
    status = 408
    error_code = "BAD_REQUEST"


class InternalError(ApiError):
    status = 500
    error_code = "INTERNAL_ERROR"


class NotImplementedByServer(ApiError):
    status = 501
    error_code = "NOT_IMPLEMENTED"


class TemporarilyUnavailable(ApiError):
    """503: try again later (the server is not ready, or its storage is full)."""

    status = 503
    error_code = "TEMPORARILY_UNAVAILABLE"


# Codes the gateway and the fault injector answer with statuses of their own (502, 504).
BAD_GATEWAY = "BAD_GATEWAY"
DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
