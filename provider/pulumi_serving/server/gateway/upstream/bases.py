"""Provider base URLs, ``serve --upstream PROVIDER=URL`` overrides, and the URLs an entity will call (pure).

Names are the external-models API's provider names plus the token endpoints (``entra`` for Microsoft
Entra ID, ``google-oauth`` for Google's OAuth token endpoint). ``{region}`` in a base is the entity's region.
``databricks-model-serving`` has no default: an entity's ``databricks_workspace_url`` is used unless the
operator overrides it (every such entity then calls the override).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ....spec.server_behaviour import fold_openai_api_type
from ....spec.upstream_urls import upstream_urls

DEFAULT_BASES: Mapping[str, str] = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com/v1",
    "cohere": "https://api.cohere.ai/v1",
    "amazon-bedrock": "https://bedrock-runtime.{region}.amazonaws.com",
    "google-cloud-vertex-ai": "https://{region}-aiplatform.googleapis.com/v1",
    "ai21labs": "https://api.ai21.com/studio/v1",
    "palm": "https://generativelanguage.googleapis.com/v1beta3",
    "databricks-model-serving": "",
    "entra": "https://login.microsoftonline.com",
    "google-oauth": "https://oauth2.googleapis.com/token",
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


def base_for(bases: Mapping[str, str], provider: str, region: str = "") -> str:
    return bases.get(provider, "").replace("{region}", region)


def call_urls(model: Mapping[str, Any], bases: Mapping[str, str]) -> list[str]:
    """Every URL an entity's calls reach, for the egress rule: the URL its config names (an operator's
    ``databricks-model-serving`` override replaces the workspace URL), else its provider's base, and the
    token endpoint it needs."""
    provider = str(model.get("provider") or "")
    named = list(upstream_urls(model).values())
    if provider == "databricks-model-serving" and bases.get(provider):
        named = [bases[provider]]
    urls = named
    if not urls and provider == "amazon-bedrock":
        urls = [base_for(bases, provider, str((model.get("amazon_bedrock_config") or {}).get("aws_region")))]
    elif not urls and provider == "google-cloud-vertex-ai":
        urls = [base_for(bases, provider, str((model.get("google_cloud_vertex_ai_config") or {}).get("region")))]
    elif not urls and provider in bases:
        urls = [base_for(bases, provider)]
    if provider == "google-cloud-vertex-ai":
        urls.append(bases["google-oauth"])
    if fold_openai_api_type((model.get("openai_config") or {}).get("openai_api_type")) == "azuread":
        urls.append(bases["entra"])
    return urls
