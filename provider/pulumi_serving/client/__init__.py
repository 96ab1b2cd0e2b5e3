"""httpx client for the serving API (Databricks REST or the local serving API): auth, retries, errors, waiters."""

from .api import ServingClient
from .auth import Credentials, CredentialsError, resolve_credentials
from .errors import (AlreadyExists, ApiError, BadRequest, Conflict, NotFound, PermissionDenied, RateLimited,
                     ServerError, ServingError, TransportError, Unauthenticated, UpdateFailed, WaitTimeout)
from .http import CallCounter, HttpTransport, RetryPolicy
from .waiter import wait_not_updating


def connect(host: str | None = None, token: str | None = None, *, profile: str | None = None,
            counter: CallCounter | None = None, retry: RetryPolicy | None = None) -> ServingClient:
    """A ready client: explicit host/token, else DATABRICKS_* / ~/.databrickscfg via databricks-sdk."""
    return ServingClient(HttpTransport(resolve_credentials(host, token, profile), counter=counter, retry=retry))


__all__ = [
    "AlreadyExists", "ApiError", "BadRequest", "CallCounter", "Conflict", "Credentials", "CredentialsError",
    "HttpTransport", "NotFound", "PermissionDenied", "RateLimited", "RetryPolicy", "ServerError", "ServingClient",
    "ServingError", "TransportError", "Unauthenticated", "UpdateFailed", "WaitTimeout", "connect",
    "resolve_credentials", "wait_not_updating",
]
