"""One adapter per upstream provider behind :class:`~.base.ProviderAdapter` (MLflow gateway style)."""

from __future__ import annotations

from .ai21labs import AI21LabsAdapter
from .anthropic import AnthropicAdapter
from .base import ProviderAdapter, StreamTranslator, Target, UpstreamCall
from .bedrock import BedrockAdapter
from .cohere import CohereAdapter
from .databricks import DatabricksModelServingAdapter
from .openai import AzureOpenAIAdapter, CustomAdapter, OpenAIAdapter
from .palm import PaLMAdapter
from .vertex import VertexAIAdapter

ADAPTERS: dict[str, ProviderAdapter] = {
    adapter.name: adapter
    for adapter in (
        OpenAIAdapter(),
        AzureOpenAIAdapter(),
        CustomAdapter(),
        AnthropicAdapter(),
        CohereAdapter(),
        BedrockAdapter(),
        VertexAIAdapter(),
        AI21LabsAdapter(),
        PaLMAdapter(),
        DatabricksModelServingAdapter(),
    )
}

__all__ = ["ADAPTERS", "ProviderAdapter", "StreamTranslator", "Target", "UpstreamCall"]
