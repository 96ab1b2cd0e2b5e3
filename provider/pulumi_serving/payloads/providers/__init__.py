"""The external-model providers: one module each, registered in :data:`REGISTRY` (the one table).

The payload models (``payloads/external_models.py``), the write-only fields, the gateway's base URLs, targets and
egress URLs, and the fake upstream's routes are read from it (docs/providers.md#adding-a-provider).
"""

from __future__ import annotations

from collections.abc import Mapping

from . import (
    ai21labs,
    amazon_bedrock,
    anthropic,
    cohere,
    custom,
    databricks_model_serving,
    google_cloud_vertex_ai,
    openai,
    palm,
)
from .provider import CredentialPair, EntraToken, ExternalProvider, GoogleToken, Target, UnsupportedAuth

#: provider name -> its module's facts, in the API's order.
REGISTRY: Mapping[str, ExternalProvider] = {
    provider.name: provider
    for provider in (
        openai.PROVIDER,
        anthropic.PROVIDER,
        cohere.PROVIDER,
        amazon_bedrock.PROVIDER,
        google_cloud_vertex_ai.PROVIDER,
        ai21labs.PROVIDER,
        palm.PROVIDER,
        databricks_model_serving.PROVIDER,
        custom.PROVIDER,
    )
}

__all__ = [
    "REGISTRY",
    "CredentialPair",
    "EntraToken",
    "ExternalProvider",
    "GoogleToken",
    "Target",
    "UnsupportedAuth",
]
