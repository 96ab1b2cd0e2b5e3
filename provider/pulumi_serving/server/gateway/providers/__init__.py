"""One adapter per upstream provider behind :class:`~.base.ProviderAdapter` (MLflow gateway style)."""

from __future__ import annotations

from .anthropic import AnthropicAdapter
from .base import ProviderAdapter, StreamTranslator, Target, UpstreamCall
from .cohere import CohereAdapter
from .openai import AzureOpenAIAdapter, CustomAdapter, OpenAIAdapter

ADAPTERS: dict[str, ProviderAdapter] = {
    adapter.name: adapter
    for adapter in (OpenAIAdapter(), AzureOpenAIAdapter(), CustomAdapter(), AnthropicAdapter(), CohereAdapter())
}

__all__ = ["ADAPTERS", "ProviderAdapter", "StreamTranslator", "Target", "UpstreamCall"]
