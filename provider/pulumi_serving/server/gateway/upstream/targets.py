"""Map a served entity's ``external_model`` (credentials already resolved to raw values by the server's
``resolve_external_model``, read at request time so a rotated secret is used by the next call) to its
adapter and upstream target, obtaining an access token first where the provider needs one (:mod:`.tokens`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ....spec.server_behaviour import DEFAULT_OPENAI_API_TYPE, fold_openai_api_type
from ...errors import BadRequest, NotImplementedByServer
from ..providers import ADAPTERS, ProviderAdapter, Target
from .bases import base_for
from .client import UpstreamClient
from .tokens import TokenCache


class UnsupportedProvider(NotImplementedByServer):
    pass


def _target(
    adapter: str,
    model: str,
    base: str,
    credential: Any,
    options: dict[str, str] | None = None,
) -> tuple[ProviderAdapter, Target]:
    return ADAPTERS[adapter], Target(adapter, model, base, str(credential or ""), options or {})


async def _openai(
    entity: str, name: str, cfg: Mapping[str, Any], bases: Mapping[str, str], client: UpstreamClient, tokens: TokenCache
) -> tuple[ProviderAdapter, Target]:
    api_type = fold_openai_api_type(cfg.get("openai_api_type"))
    if api_type == DEFAULT_OPENAI_API_TYPE:
        return _target(
            "openai",
            name,
            cfg.get("openai_api_base") or bases["openai"],
            cfg.get("openai_api_key"),
            {"organization": cfg.get("openai_organization") or ""},
        )
    options = {
        "api_type": api_type,
        "deployment": cfg.get("openai_deployment_name") or "",
        "api_version": cfg.get("openai_api_version") or "",
    }
    key = cfg.get("openai_api_key")
    if api_type == "azuread":
        key = await tokens.entra(
            client,
            entity,
            bases["entra"],
            cfg.get("microsoft_entra_tenant_id") or "",
            cfg.get("microsoft_entra_client_id") or "",
            str(cfg.get("microsoft_entra_client_secret") or ""),
        )
    return _target("azure", name, cfg.get("openai_api_base") or "", key, options)


def _bedrock(
    entity: str, name: str, cfg: Mapping[str, Any], bases: Mapping[str, str]
) -> tuple[ProviderAdapter, Target]:
    if not cfg.get("aws_access_key_id") or not cfg.get("aws_secret_access_key"):
        raise UnsupportedProvider(
            f"served entity {entity}: the local gateway signs Amazon Bedrock calls with "
            "access keys only (not instance_profile_arn or uc_service_credential_name)"
        )
    region = str(cfg.get("aws_region") or "")
    return _target(
        "amazon-bedrock",
        name,
        base_for(bases, "amazon-bedrock", region),
        cfg["aws_secret_access_key"],
        {
            "region": region,
            "access_key_id": str(cfg["aws_access_key_id"]),
            "bedrock_provider": str(cfg.get("bedrock_provider") or "").lower(),
        },
    )


async def resolve_target(
    entity: str,
    model: Mapping[str, Any],
    bases: Mapping[str, str],
    client: UpstreamClient,
    tokens: TokenCache,
) -> tuple[ProviderAdapter, Target]:
    provider, name = model.get("provider"), str(model.get("name") or "")
    if provider == "openai":
        return await _openai(entity, name, model.get("openai_config") or {}, bases, client, tokens)
    if provider == "anthropic":
        cfg = model.get("anthropic_config") or {}
        return _target("anthropic", name, bases["anthropic"], cfg.get("anthropic_api_key"))
    if provider == "cohere":
        cfg = model.get("cohere_config") or {}
        return _target("cohere", name, cfg.get("cohere_api_base") or bases["cohere"], cfg.get("cohere_api_key"))
    if provider == "amazon-bedrock":
        return _bedrock(entity, name, model.get("amazon_bedrock_config") or {}, bases)
    if provider == "google-cloud-vertex-ai":
        cfg = model.get("google_cloud_vertex_ai_config") or {}
        region = str(cfg.get("region") or "")
        token = await tokens.google(client, entity, bases["google-oauth"], str(cfg.get("private_key") or ""))
        return _target(
            "google-cloud-vertex-ai",
            name,
            base_for(bases, "google-cloud-vertex-ai", region),
            token,
            {"project": str(cfg.get("project_id") or ""), "region": region},
        )
    if provider == "ai21labs":
        return _target(
            "ai21labs", name, bases["ai21labs"], (model.get("ai21labs_config") or {}).get("ai21labs_api_key")
        )
    if provider == "palm":
        return _target("palm", name, bases["palm"], (model.get("palm_config") or {}).get("palm_api_key"))
    if provider == "databricks-model-serving":
        cfg = model.get("databricks_model_serving_config") or {}
        base = bases.get("databricks-model-serving") or str(cfg.get("databricks_workspace_url") or "")
        return _target("databricks-model-serving", name, base, cfg.get("databricks_api_token"))
    if provider == "custom":
        cfg = model.get("custom_provider_config") or {}
        api_key, bearer = cfg.get("api_key_auth"), cfg.get("bearer_token_auth")
        if api_key:
            return _target(
                "custom",
                name,
                cfg["custom_provider_url"],
                api_key.get("value"),
                {"auth_header": api_key.get("key") or ""},
            )
        return _target("custom", name, cfg["custom_provider_url"], (bearer or {}).get("token"))
    raise BadRequest(f"served entity {entity}: unknown provider {provider!r}")
