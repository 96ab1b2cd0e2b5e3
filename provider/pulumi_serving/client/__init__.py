"""httpx client for the serving API (Databricks REST or the local serving API): auth, retries, errors, waiters."""

from collections.abc import Callable

from .api import ServingClient
from .auth import Credentials, CredentialsError, resolve_credentials
from .errors import (
    AlreadyExists,
    ApiError,
    BadRequest,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    ServingError,
    TlsRefused,
    TransportError,
    Unauthenticated,
    UntrustedCertificate,
    UpdateFailed,
    WaitTimeout,
)
from .http import CallCounter, HttpTransport, RetryPolicy
from .waiter import wait_not_updating


def connect(
    host: str | None = None,
    token: str | None = None,
    *,
    profile: str | None = None,
    counter: CallCounter | None = None,
    retry: RetryPolicy | None = None,
    on_retry: Callable[[str], None] | None = None,
) -> ServingClient:
    """A ready client: explicit host/token, else DATABRICKS_* / ~/.databrickscfg via databricks-sdk.

    ``on_retry`` receives one line per retried call: method, path, status, error code, the server's message
    and the delay (never a request body, header or token)."""
    credentials = resolve_credentials(host, token, profile)
    return ServingClient(HttpTransport(credentials, counter=counter, retry=retry, on_retry=on_retry))


__all__ = [
    "AlreadyExists",
    "ApiError",
    "BadRequest",
    "CallCounter",
    "Conflict",
    "Credentials",
    "CredentialsError",
    "HttpTransport",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
    "ServingClient",
    "ServingError",
    "TlsRefused",
    "TransportError",
    "Unauthenticated",
    "UntrustedCertificate",
    "UpdateFailed",
    "WaitTimeout",
    "connect",
    "resolve_credentials",
    "wait_not_updating",
]
