"""Provider base URLs, ``serve --upstream PROVIDER=URL`` overrides, and the URLs an entity will call (pure).

Names are the external-models API's provider names plus the token endpoints the providers declare (``entra``
for Microsoft Entra ID, ``google-oauth`` for Google's OAuth token endpoint), all read from the provider registry
(``payloads/providers/``). ``{region}`` in a base is the entity's region. ``databricks-model-serving`` has no default:
an entity's ``databricks_workspace_url`` is used unless the operator overrides it (every such entity then calls
the override).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ....payloads.providers import REGISTRY
from ....payloads.providers.provider import base_for
from ....payloads.upstream_urls import upstream_urls

DEFAULT_BASES: Mapping[str, str] = {
    **{name: p.default_base for name, p in REGISTRY.items() if p.default_base is not None},
    **{name: url for p in REGISTRY.values() for name, url in p.token_bases.items()},
}


def parse_upstream(spec: str) -> tuple[str, str]:
    """``PROVIDER=URL`` -> (provider, base URL). A URL without a path keeps the default path (``/v1``)."""
    provider, sep, url = spec.partition("=")
    provider = provider.strip().lower()
    if not sep or provider not in DEFAULT_BASES:
        raise ValueError(f"--upstream {spec!r}: expected PROVIDER=URL with PROVIDER one of {', '.join(DEFAULT_BASES)}")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--upstream {spec!r}: URL must be http(s)://host[:port][/path]")
    path = parts.path.rstrip("/") or urlsplit(DEFAULT_BASES[provider]).path
    return provider, f"{parts.scheme}://{parts.netloc}{path}"


def upstream_bases(specs: Iterable[str]) -> dict[str, str]:
    """Default bases with every override applied (the last one for a provider wins)."""
    bases = dict(DEFAULT_BASES)
    for spec in specs:
        provider, url = parse_upstream(spec)
        bases[provider] = url
    return bases


def call_urls(model: Mapping[str, Any], bases: Mapping[str, str]) -> list[str]:
    """Every URL an entity's calls reach, for the egress rule: the URL its config names (an operator's
    override replaces it where the provider says so), else its provider's base, and the token endpoints it needs."""
    name = str(model.get("provider") or "")
    urls = list(upstream_urls(model).values())
    provider = REGISTRY.get(name)
    if provider is None:
        return urls
    block = model.get(provider.block) or {}
    if provider.operator_base_wins and bases.get(name):
        urls = [bases[name]]
    if not urls and name in bases:
        region = str(block.get(provider.region_field)) if provider.region_field else ""
        urls = [base_for(bases, name, region)]
    return urls + [bases[endpoint] for endpoint in provider.token_endpoints(block)]
