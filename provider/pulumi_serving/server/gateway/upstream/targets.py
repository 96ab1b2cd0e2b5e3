"""Map a served entity's ``external_model`` (credentials already resolved to raw values by the server's
``resolve_external_model``, read at request time so a rotated secret is used by the next call) to its
adapter and upstream target: the provider's module plans the target (``payloads/providers/``), and the access
token a plan asks for is obtained here first (:mod:`.tokens`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ....payloads.providers import REGISTRY, EntraToken, UnsupportedAuth
from ....payloads.providers.provider import TokenRequest
from ...errors import BadRequest, NotImplementedByServer
from ..providers import ADAPTERS, ProviderAdapter, Target
from .client import UpstreamClient
from .tokens import TokenCache


class UnsupportedProvider(NotImplementedByServer):
    pass


async def _access_token(token: TokenRequest, entity: str, client: UpstreamClient, tokens: TokenCache) -> str:
    if isinstance(token, EntraToken):
        return await tokens.entra(client, entity, token.base, token.tenant, token.client_id, token.secret)
    return await tokens.google(client, entity, token.token_url, token.key)


async def resolve_target(
    entity: str,
    model: Mapping[str, Any],
    bases: Mapping[str, str],
    client: UpstreamClient,
    tokens: TokenCache,
) -> tuple[ProviderAdapter, Target]:
    name = model.get("provider")
    provider = REGISTRY.get(name) if isinstance(name, str) else None
    if provider is None:
        raise BadRequest(f"served entity {entity}: unknown provider {name!r}")
    try:
        target = provider.target(entity, str(model.get("name") or ""), model.get(provider.block) or {}, bases)
    except UnsupportedAuth as exc:
        raise UnsupportedProvider(str(exc)) from None
    if target.token is not None:
        target = replace(target, credential=await _access_token(target.token, entity, client, tokens), token=None)
    return ADAPTERS[target.adapter], target
