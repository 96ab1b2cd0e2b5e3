"""Errors raised by the serving API client, one class per Databricks error family.

Mapping follows the Databricks convention: the body's ``error_code`` decides first, the HTTP
status is the fallback. Messages never carry request bodies, so secret values cannot leak
through them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx


class ServingError(Exception):
    """Base class of every error this client raises."""


class TransportError(ServingError):
    """The server could not be reached (connection refused, timeout, TLS...)."""


class TlsRefused(TransportError):
    """The TLS handshake failed for a reason the user can fix (not retried); ``reason`` says which and what to do."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class UntrustedCertificate(TlsRefused):
    """The server's TLS certificate is not signed by a CA this machine trusts."""


class WaitTimeout(ServingError):
    """A waiter gave up before the endpoint reached the wanted state."""


class UpdateFailed(ServingError):
    """The endpoint's config update ended in UPDATE_FAILED or UPDATE_CANCELED."""


class ApiError(ServingError):
    """The server answered with a Databricks error body."""

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        *,
        method: str = "",
        path: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.message = message
        self.method = method
        self.path = path
        self.retry_after = retry_after
        self.attempts = 1  # how many times the transport sent the call (a retried create may have succeeded)
        where = f"{method} {path}: " if method else ""
        super().__init__(f"{where}{status} {error_code}: {message}")


class BadRequest(ApiError):
    """400: the request was rejected as invalid."""


class Unauthenticated(ApiError):
    """401: missing or invalid token."""


class PermissionDenied(ApiError):
    """403: the principal lacks the permission."""


class NotFound(ApiError):
    """404: the object does not exist."""


class Conflict(ApiError):
    """409: the object is in a state that forbids the call (for example an update in progress)."""


class AlreadyExists(Conflict):
    """The object to create already exists (400 or 409 depending on the API family)."""


class RateLimited(ApiError):
    """429: too many requests; ``retry_after`` holds the server's hint in seconds."""


class ServerError(ApiError):
    """5xx: the server failed; retried by the client."""


_BY_CODE: dict[str, type[ApiError]] = {
    "RESOURCE_DOES_NOT_EXIST": NotFound,
    "NOT_FOUND": NotFound,
    "ENDPOINT_NOT_FOUND": NotFound,
    "RESOURCE_ALREADY_EXISTS": AlreadyExists,
    "ALREADY_EXISTS": AlreadyExists,
    "RESOURCE_CONFLICT": Conflict,
    "ABORTED": Conflict,
    "INVALID_PARAMETER_VALUE": BadRequest,
    "BAD_REQUEST": BadRequest,
    "MALFORMED_REQUEST": BadRequest,
    "INVALID_STATE": BadRequest,
    "RESOURCE_LIMIT_EXCEEDED": BadRequest,
    "PERMISSION_DENIED": PermissionDenied,
    "UNAUTHENTICATED": Unauthenticated,
    "CUSTOMER_UNAUTHORIZED": Unauthenticated,
    "REQUEST_LIMIT_EXCEEDED": RateLimited,
    "RESOURCE_EXHAUSTED": RateLimited,
    "TEMPORARILY_UNAVAILABLE": ServerError,
    "INTERNAL_ERROR": ServerError,
}

_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthenticated,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (integer or float seconds); None when absent or unparsable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def error_from_response(response: httpx.Response) -> ApiError:
    """Build the matching :class:`ApiError` subclass from a non-2xx response."""
    code, message = _code_and_message(response)
    cls = _BY_CODE.get(code) or _BY_STATUS.get(response.status_code)
    if cls is None:
        cls = ServerError if response.status_code >= 500 else ApiError
    return cls(
        response.status_code,
        code or response.reason_phrase.upper().replace(" ", "_"),
        message or response.reason_phrase,
        method=response.request.method,
        path=response.request.url.path,
        retry_after=parse_retry_after(response.headers.get("retry-after")),
    )


def _code_and_message(response: httpx.Response) -> tuple[str, str]:
    try:
        body: Any = response.json()
    except ValueError:
        text = response.text.strip()
        if ":" in text and text.split(":", 1)[0].isupper():
            code, message = text.split(":", 1)
            return code.strip(), message.strip()
        return "", text[:200]
    if isinstance(body, dict):
        return str(body.get("error_code") or ""), str(body.get("message") or body.get("error") or "")
    return "", ""
