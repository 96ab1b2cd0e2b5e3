"""Access tokens the gateway obtains for an entity, cached per credential digest until shortly before they
expire (a rotated credential therefore gets a fresh token):

- Microsoft Entra ID client credentials (Azure OpenAI ``azuread``): ``{entra}/{tenant}/oauth2/v2.0/token``;
- Google service-account keys (Vertex AI): google-auth signs the JWT assertion (RS256) with the key, posted to
  the OAuth token endpoint (``bases["google-oauth"]``) with the JWT-bearer grant.

Token endpoints are called through the gateway's upstream client (proxies, CA bundles). Refusals name the
tenant or the service account, never a secret.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ...errors import ApiError, BadRequest, InternalError
from .client import UpstreamClient, Who

ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"
GOOGLE_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME_S = 3600
_TOKEN_MARGIN_S = 60


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class TokenCache:
    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = asyncio.Lock()

    async def _cached(self, key: str, fetch: Callable[[], Awaitable[tuple[str, float]]]) -> str:
        hit = self._cache.get(key)
        if hit and hit[1] > time.monotonic():
            return hit[0]
        async with self._lock:
            hit = self._cache.get(key)
            if hit and hit[1] > time.monotonic():
                return hit[0]
            token, lifetime = await fetch()
            self._cache[key] = (token, time.monotonic() + max(0.0, lifetime - _TOKEN_MARGIN_S))
            return token

    async def entra(
        self, client: UpstreamClient, entity: str, base: str, tenant: str, client_id: str, secret: str
    ) -> str:
        async def fetch() -> tuple[str, float]:
            who = Who("Microsoft Entra ID", entity, secret)
            status, body = await client.post_form(
                who,
                f"{base.rstrip('/')}/{tenant}/oauth2/v2.0/token",
                {
                    "grant_type": "client_credentials",
                    "client_id": client_id,
                    "client_secret": secret,
                    "scope": ENTRA_SCOPE,
                },
            )
            return _token(status, body, f"Microsoft Entra ID refused the client credentials of tenant {tenant}")

        return await self._cached(_digest("entra", tenant, client_id, secret), fetch)

    async def google(self, client: UpstreamClient, entity: str, token_url: str, key: str) -> str:
        info = service_account_info(key)

        async def fetch() -> tuple[str, float]:
            from google.auth import crypt, jwt

            now = int(time.time())
            try:
                signer = crypt.RSASigner.from_service_account_info(info)
            except (ValueError, TypeError, IndexError):
                raise BadRequest(
                    "google_cloud_vertex_ai_config.private_key: the key of service account "
                    f"{info['client_email']} is not a valid RSA private key"
                ) from None
            assertion = jwt.encode(
                signer,
                {
                    "iss": info["client_email"],
                    "scope": GOOGLE_SCOPE,
                    "aud": token_url,
                    "iat": now,
                    "exp": now + ASSERTION_LIFETIME_S,
                },
            )
            who = Who("Google OAuth", entity, info["private_key"])
            status, body = await client.post_form(
                who, token_url, {"grant_type": JWT_BEARER_GRANT, "assertion": assertion.decode()}
            )
            return _token(status, body, f"Google refused the service account {info['client_email']}")

        return await self._cached(_digest("google", token_url, key), fetch)


def _token(status: int, body: Any, refused: str) -> tuple[str, float]:
    if status != 200 or not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        if status == 200 or status >= 500:
            raise ApiError(
                f"{refused.split(' refused')[0]} answered HTTP {status} without a token",
                status=502,
                error_code=InternalError.error_code,
            )
        raise BadRequest(f"{refused} (HTTP {status})")
    try:
        lifetime = float(body.get("expires_in") or 3600)
    except (TypeError, ValueError):
        lifetime = 3600.0
    return body["access_token"], lifetime


def service_account_info(key: str) -> dict[str, str]:
    """A Vertex AI ``private_key``: the service account's JSON key (``client_email`` and ``private_key``)."""
    try:
        info = json.loads(key)
    except ValueError:
        info = None
    if not isinstance(info, dict) or not all(
        isinstance(info.get(k), str) and info[k] for k in ("client_email", "private_key")
    ):
        raise BadRequest(
            "google_cloud_vertex_ai_config.private_key must be a service account's JSON key "
            "(with client_email and private_key)"
        )
    return {
        "client_email": info["client_email"],
        "private_key": info["private_key"],
        "private_key_id": str(info.get("private_key_id") or ""),
    }
