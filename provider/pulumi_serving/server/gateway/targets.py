"""Map a served entity's ``external_model`` (credentials already resolved to raw values by the server's
``resolve_external_model``, read at request time so a rotated secret is used by the next call) to its
adapter and upstream target.

Entra ID tokens (Azure ``azuread``) are cached per (tenant, client, secret digest) until shortly before
they expire; a rotated client secret therefore gets a fresh token.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Mapping
from typing import Any

import httpx

from ..errors import ApiError, BadRequest
from .providers import ADAPTERS, ProviderAdapter, Target

ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"
_TOKEN_MARGIN_S = 60


class UnsupportedProvider(ApiError):
    status = 501
    error_code = "NOT_IMPLEMENTED"


class EntraTokens:
    """Client-credentials tokens from Microsoft Entra ID, cached until shortly before expiry."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, str], tuple[str, float]] = {}
        self._lock = asyncio.Lock()

    async def token(self, client: httpx.AsyncClient, base: str, tenant: str, client_id: str, secret: str) -> str:
        key = (tenant, client_id, hashlib.sha256(secret.encode()).hexdigest())
        cached = self._cache.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        async with self._lock:
            try:
                response = await client.post(f"{base.rstrip('/')}/{tenant}/oauth2/v2.0/token", data={
                    "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
                    "scope": ENTRA_SCOPE})
            except httpx.HTTPError as err:
                raise ApiError(f"Microsoft Entra ID is unreachable ({type(err).__name__})", status=502,
                               error_code="INTERNAL_ERROR") from None
            if response.status_code != 200:
                raise BadRequest(f"Microsoft Entra ID refused the client credentials of tenant {tenant} "
                                 f"(HTTP {response.status_code})")
            body = response.json()
            lifetime = float(body.get("expires_in") or 3600)
            self._cache[key] = (str(body["access_token"]), time.monotonic() + max(0.0, lifetime - _TOKEN_MARGIN_S))
            return self._cache[key][0]


def _target(adapter: str, model: str, base: str, credential: Any, options: dict[str, str] | None = None,
            ) -> tuple[ProviderAdapter, Target]:
    return ADAPTERS[adapter], Target(adapter, model, base, str(credential or ""), options or {})


async def resolve_target(
    entity: str,
    model: Mapping[str, Any],
    bases: Mapping[str, str],
    client: httpx.AsyncClient,
    entra: EntraTokens,
) -> tuple[ProviderAdapter, Target]:
    provider, name = model.get("provider"), str(model.get("name") or "")
    if provider == "openai":
        cfg = model.get("openai_config") or {}
        api_type = str(cfg.get("openai_api_type") or "openai").lower()
        if api_type == "openai":
            return _target("openai", name, cfg.get("openai_api_base") or bases["openai"], cfg.get("openai_api_key"),
                           {"organization": cfg.get("openai_organization") or ""})
        options = {"api_type": api_type, "deployment": cfg.get("openai_deployment_name") or "",
                   "api_version": cfg.get("openai_api_version") or ""}
        key = cfg.get("openai_api_key")
        if api_type == "azuread":
            key = await entra.token(client, bases["entra"], cfg.get("microsoft_entra_tenant_id") or "",
                                    cfg.get("microsoft_entra_client_id") or "",
                                    str(cfg.get("microsoft_entra_client_secret") or ""))
        return _target("azure", name, cfg.get("openai_api_base") or "", key, options)
    if provider == "anthropic":
        cfg = model.get("anthropic_config") or {}
        return _target("anthropic", name, bases["anthropic"], cfg.get("anthropic_api_key"))
    if provider == "cohere":
        cfg = model.get("cohere_config") or {}
        return _target("cohere", name, cfg.get("cohere_api_base") or bases["cohere"], cfg.get("cohere_api_key"))
    if provider == "custom":
        cfg = model.get("custom_provider_config") or {}
        api_key, bearer = cfg.get("api_key_auth"), cfg.get("bearer_token_auth")
        if api_key:
            return _target("custom", name, cfg["custom_provider_url"], api_key.get("value"),
                           {"auth_header": api_key.get("key") or ""})
        return _target("custom", name, cfg["custom_provider_url"], (bearer or {}).get("token"))
    raise UnsupportedProvider(f"served entity {entity}: provider {provider!r} is not served by the local gateway "
                              "(supported: openai, Azure OpenAI, anthropic, cohere, custom)")
