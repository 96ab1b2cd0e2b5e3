"""Fields of an external model that name the upstream the gateway calls (one table, used for egress rules)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# config block -> field holding a URL of the upstream service
UPSTREAM_URL_FIELDS: dict[str, str] = {
    "openai_config": "openai_api_base",
    "cohere_config": "cohere_api_base",
    "custom_provider_config": "custom_provider_url",
    "databricks_model_serving_config": "databricks_workspace_url",
}


def upstream_urls(external_model: Mapping[str, Any]) -> dict[str, str]:
    """``{"<block>.<field>": url}`` for each upstream URL an external model (API JSON) declares."""
    found = {}
    for block, field in UPSTREAM_URL_FIELDS.items():
        value = (external_model.get(block) or {}).get(field)
        if isinstance(value, str) and value:
            found[f"{block}.{field}"] = value
    return found
