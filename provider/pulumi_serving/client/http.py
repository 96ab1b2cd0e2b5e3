"""Synchronous JSON transport for the serving API: auth headers, retries with backoff, error mapping.

Retried: connection errors, 429, 5xx, and 409 "update in progress" conflicts (the endpoint is busy
rolling out a config). A ``Retry-After`` header sets the delay; otherwise the delay grows
exponentially with jitter. Everything else raises the mapped :class:`ApiError` at once.
"""

from __future__ import annotations

import random
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .auth import Credentials
from .errors import (
    AlreadyExists,
    ApiError,
    Conflict,
    RateLimited,
    ServerError,
    TlsRefused,
    TransportError,
    UntrustedCertificate,
    error_from_response,
)
from .tls import context_for

if TYPE_CHECKING:
    import httpx

Sleep = Callable[[float], None]


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to retry; ``budget`` bounds the total time spent sleeping per call."""

    attempts: int = 8
    base_delay: float = 0.25
    max_delay: float = 10.0
    budget: float = 120.0

    def backoff(self, attempt: int) -> float:
        delay = min(self.max_delay, self.base_delay * 2**attempt)
        return delay * (0.5 + random.random() / 2)


class CallCounter:
    """Thread-safe count of requests by HTTP method; optionally appends ``METHOD path`` lines to a file
    (benchmarks set ``PULUMI_SERVING_CALL_LOG`` to count the calls of the provider process)."""

    def __init__(self, log_path: str | None = None) -> None:
        self._lock = threading.Lock()
        self._log_path = log_path
        self.counts: Counter[str] = Counter()

    def add(self, method: str, path: str = "") -> None:
        with self._lock:
            self.counts[method] += 1
            if self._log_path:
                with open(self._log_path, "a", encoding="utf-8") as log:
                    log.write(f"{method} {path}\n")

    @property
    def writes(self) -> int:
        return sum(n for m, n in self.counts.items() if m != "GET")

    @property
    def reads(self) -> int:
        return self.counts["GET"]


def is_retryable(error: ApiError) -> bool:
    """429, 5xx and 409 conflicts that are not "already exists" are transient."""
    if isinstance(error, (RateLimited, ServerError)):
        return True
    return isinstance(error, Conflict) and not isinstance(error, AlreadyExists)


def tls_refusal(exc: BaseException, host: str) -> tuple[type[TlsRefused], str] | None:
    """Why the TLS handshake with ``host`` failed, when the user can fix it, and what to do: a certificate no
    trusted CA signed, or a server answering an ``https://`` host in plain HTTP."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return UntrustedCertificate, (
                f"its TLS certificate is not trusted ({cause.verify_message}): "
                "name the CA bundle that signed it in SSL_CERT_FILE"
            )
        if isinstance(cause, ssl.SSLError) and cause.reason == "WRONG_VERSION_NUMBER":
            plain = "http://" + host.removeprefix("https://")
            return TlsRefused, f"it answers in plain HTTP, not TLS: name it {plain}"
        cause = cause.__cause__ or cause.__context__
    return None


class HttpTransport:
    """One httpx client per transport; safe to share between threads.

    httpx is imported with the first transport, not with this module: a Pulumi program imports the resources
    (and so this client) in every run without calling the API.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        sleep: Sleep = time.sleep,
        counter: CallCounter | None = None,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        self.credentials = credentials
        self.retry = retry or RetryPolicy()
        self.counter = counter
        self._sleep = sleep
        self._on_retry = on_retry
        import httpx

        self._unreachable: type[Exception] = httpx.TransportError
        self._http = httpx.Client(
            base_url=credentials.host,
            timeout=timeout,
            verify=context_for(credentials.host),
            headers={"User-Agent": "pulumi-serving", "Accept": "application/json"},
        )

    def close(self) -> None:
        self._http.close()

    def request(self, method: str, path: str, *, json: Any = None, params: dict[str, str] | None = None) -> Any:
        """Send one call (retrying transient failures) and return the decoded JSON body ({} when empty)."""
        slept = 0.0
        for attempt in range(self.retry.attempts):
            try:
                response = self._send(method, path, json, params)
            except self._unreachable as exc:
                where = f"{method} {path}: cannot reach {self.credentials.host}"
                refusal = tls_refusal(exc, self.credentials.host)
                if refusal:  # not retried: every retry meets the same certificate or the same plain-HTTP server
                    kind, reason = refusal
                    raise kind(f"{where}: {reason}", reason) from None
                error: ApiError | TransportError = TransportError(f"{where}: {type(exc).__name__}")
                delay = self.retry.backoff(attempt)
            else:
                if response.is_success:
                    return response.json() if response.content else {}
                error = error_from_response(response)
                error.attempts = attempt + 1
                if not is_retryable(error):
                    raise error
                delay = error.retry_after if error.retry_after is not None else self.retry.backoff(attempt)
            if attempt + 1 >= self.retry.attempts or slept + delay > self.retry.budget:
                raise error
            if self._on_retry:
                self._on_retry(f"{error}; retrying in {delay:.1f}s")
            self._sleep(delay)
            slept += delay
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, method: str, path: str, json: Any, params: dict[str, str] | None) -> httpx.Response:
        if self.counter is not None:
            self.counter.add(method, path)
        headers = dict(self.credentials.headers())
        return self._http.request(method, path, json=json, params=params, headers=headers)
