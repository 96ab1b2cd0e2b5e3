"""The one mapper of upstream failures to Databricks errors (docs/databricks-api.md#invocation-errors).
Messages never carry the credential, and quote
an upstream's error message only as a short excerpt (EXCERPT_CHARS, control characters removed).

- upstream 429 -> 429 REQUEST_LIMIT_EXCEEDED with the upstream's Retry-After (default 1, at most
  MAX_RETRY_AFTER_S);
- upstream 401/403 -> 400 BAD_REQUEST: the endpoint's credentials were refused (the caller's own token
  was fine, so no 401 that clients would read as their own authentication failure);
- other upstream 4xx -> the same status, BAD_REQUEST;
- upstream 5xx, an unreachable upstream, or a 2xx answer that is not JSON or not of the provider's shape
  -> 502 INTERNAL_ERROR; a timeout -> 504 DEADLINE_EXCEEDED.
Failures that a fallback may retry elsewhere: 429, 5xx, timeouts and connection errors.
"""

from __future__ import annotations

from typing import Any

import httpx

from ...errors import DEADLINE_EXCEEDED, ApiError, BadRequest, InternalError, RequestLimitExceeded
from ..providers.base import upstream_error_message

EXCERPT_CHARS = 200  # of an upstream's error message echoed to the caller
MAX_RETRY_AFTER_S = 60  # an upstream's Retry-After passed on to callers is capped (rate windows are a minute)


class UpstreamError(ApiError):
    """An error caused by the upstream provider; ``retryable`` tells whether a fallback may help."""

    def __init__(self, message: str, *, status: int, error_code: str, retryable: bool, retry_after: int | None = None):
        super().__init__(message, status=status, error_code=error_code, retry_after=retry_after)
        self.retryable = retryable


def _scrub(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def retry_after_s(value: str | None) -> int:
    """An upstream's Retry-After in whole seconds between 1 and MAX_RETRY_AFTER_S (1 when not a number)."""
    try:
        seconds = float(value or 1)
    except ValueError:
        return 1
    if seconds != seconds:  # NaN
        return 1
    return int(min(MAX_RETRY_AFTER_S, max(1.0, seconds)))


def excerpt(text: str) -> str:
    """At most EXCERPT_CHARS of an upstream's text, control characters replaced, marked when cut."""
    clean = "".join(c if c.isprintable() else " " for c in text[:EXCERPT_CHARS]).strip()
    return clean + " [...]" if len(text) > EXCERPT_CHARS else clean


def from_status(provider: str, entity: str, status: int, body: Any, retry_after: str | None, secret: str) -> ApiError:
    detail = excerpt(_scrub(upstream_error_message(body), secret))
    prefix = f"Served entity {entity}: upstream {provider} returned HTTP {status}"
    if status == 429:
        error: ApiError = RequestLimitExceeded(f"{prefix}: {detail}", retry_after=retry_after_s(retry_after))
        return UpstreamError(
            error.message, status=429, error_code=error.error_code, retryable=True, retry_after=error.retry_after
        )
    if status in (401, 403):
        return UpstreamError(
            f"{prefix}: the endpoint's credentials were refused: {detail}",
            status=400,
            error_code=BadRequest.error_code,
            retryable=False,
        )
    if status < 500:
        return UpstreamError(f"{prefix}: {detail}", status=status, error_code=BadRequest.error_code, retryable=False)
    return UpstreamError(f"{prefix}: {detail}", status=502, error_code=InternalError.error_code, retryable=True)


def from_transport(provider: str, entity: str, err: httpx.HTTPError) -> ApiError:
    if isinstance(err, httpx.TimeoutException):
        return UpstreamError(
            f"Served entity {entity}: upstream {provider} did not answer in time",
            status=504,
            error_code=DEADLINE_EXCEEDED,
            retryable=True,
        )
    return UpstreamError(
        f"Served entity {entity}: upstream {provider} is unreachable ({type(err).__name__})",
        status=502,
        error_code=InternalError.error_code,
        retryable=True,
    )


def bad_answer(provider: str, entity: str, what: str) -> UpstreamError:
    """A 2xx answer the gateway cannot use (not JSON, wrong shape, a broken stream): 502, retryable."""
    return UpstreamError(
        f"Served entity {entity}: upstream {provider} answered {what}",
        status=502,
        error_code=InternalError.error_code,
        retryable=True,
    )
