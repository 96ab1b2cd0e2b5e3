"""Where the client's host and credentials come from.

Order: explicit arguments (for the provider: stack config ``serving:host`` / ``serving:token``),
else the Databricks conventions resolved by ``databricks-sdk``'s ``Config`` (``DATABRICKS_HOST``,
``DATABRICKS_TOKEN``, ``DATABRICKS_CONFIG_PROFILE`` and ``~/.databrickscfg`` profiles, OAuth...).
The token is kept out of ``repr`` so it cannot leak through logs or tracebacks.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

HeaderFactory = Callable[[], Mapping[str, str]]


class CredentialsError(Exception):
    """No usable host/credentials could be resolved."""


@dataclass(frozen=True)
class Credentials:
    """A workspace host and a function producing the auth headers of one request."""

    host: str
    headers: HeaderFactory = field(repr=False)

    @classmethod
    def from_token(cls, host: str, token: str) -> Credentials:
        """Static bearer token (a PAT, or a token minted by the local serving API)."""
        header = {"Authorization": f"Bearer {token}"}
        return cls(host=normalize_host(host), headers=lambda: header)


def normalize_host(host: str) -> str:
    """``workspace.example.com`` -> ``https://workspace.example.com``; explicit schemes kept; no trailing ``/``."""
    host = host.strip().rstrip("/")
    if not host:
        raise CredentialsError("the serving API host is empty")
    if "://" not in host:
        host = "https://" + host
    return host


# The environment variables of a plain personal access token: with no other DATABRICKS_*, ARM_* or
# GOOGLE_CREDENTIALS variable set (they select a profile or another auth method), databricks-sdk's Config resolves
# DATABRICKS_HOST and DATABRICKS_TOKEN to its first method, ``pat`` (and reads no config file).
_PAT_VARIABLES = frozenset({"DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_CONFIG_FILE"})


def resolve_credentials(host: str | None = None, token: str | None = None, profile: str | None = None) -> Credentials:
    """Explicit host+token win; anything missing is resolved the Databricks way by databricks-sdk.

    A host and a token without a profile (explicit, else ``DATABRICKS_HOST`` / ``DATABRICKS_TOKEN`` in an environment
    that selects no other auth method) are a personal access token, as the SDK's first auth method reads them; taken
    here without the SDK, whose import costs about 1.5 s of CPU in every provider process and whose host-metadata
    probe spends about 8 s retrying an unreachable host before the first call could say so."""
    if not profile and not os.environ.get("DATABRICKS_CONFIG_PROFILE"):
        token = token or os.environ.get("DATABRICKS_TOKEN") or None
        if not host and _only_a_token_in_environment():
            host = os.environ.get("DATABRICKS_HOST") or None
    if host and token:
        return Credentials.from_token(host, token)
    try:
        from databricks.sdk.config import Config
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise CredentialsError(
            "no explicit host and token were given, and resolving DATABRICKS_* environment variables or "
            "~/.databrickscfg profiles needs the 'databricks-sdk' package"
        ) from exc
    kwargs = {k: v for k, v in {"host": host, "token": token, "profile": profile}.items() if v}
    # The SDK probes the host's metadata on construction; keep that probe short and quiet.
    logging.getLogger("databricks.sdk").setLevel(logging.ERROR)
    try:
        config = Config(retry_timeout_seconds=5, http_timeout_seconds=5, **kwargs)  # type: ignore[arg-type]
    except ValueError as exc:
        raise CredentialsError(f"cannot resolve serving API credentials: {_first_line(exc)}") from None
    if not config.host:
        raise CredentialsError("no serving API host: set serving:host, DATABRICKS_HOST or a ~/.databrickscfg profile")
    return Credentials(host=normalize_host(config.host), headers=config.authenticate)


def _only_a_token_in_environment() -> bool:
    return all(
        name in _PAT_VARIABLES
        for name in os.environ
        if name.startswith(("DATABRICKS_", "ARM_")) or name == "GOOGLE_CREDENTIALS"
    )


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
