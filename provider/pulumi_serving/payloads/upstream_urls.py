"""Fields of an external model that name the upstream the gateway calls (from the provider registry; egress rules)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .providers import REGISTRY

#: (config block, field holding a URL of the upstream service)
UPSTREAM_URL_FIELDS: tuple[tuple[str, str], ...] = tuple(
    (provider.block, field) for provider in REGISTRY.values() for field in provider.url_fields
)


def upstream_urls(external_model: Mapping[str, Any]) -> dict[str, str]:
    """``{"<block>.<field>": url}`` for each upstream URL an external model (API JSON) declares."""
    found = {}
    for block, field in UPSTREAM_URL_FIELDS:
        value = (external_model.get(block) or {}).get(field)
        if isinstance(value, str) and value:
            found[f"{block}.{field}"] = value
    return found
