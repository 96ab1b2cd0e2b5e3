"""One adapter per upstream provider behind :class:`~.base.ProviderAdapter` (MLflow gateway style); each
provider's registry entry (``payloads/providers/``) names its adapters, and :data:`ADAPTERS` is built from it."""

from __future__ import annotations

from importlib import import_module

from ....payloads.providers import REGISTRY
from .base import ProviderAdapter, StreamTranslator, Target, UpstreamCall


def _adapter(reference: str) -> ProviderAdapter:
    """``module:Class`` of this package -> an instance."""
    module, _, name = reference.partition(":")
    adapter: ProviderAdapter = getattr(import_module(f"{__name__}.{module}"), name)()
    return adapter


ADAPTERS: dict[str, ProviderAdapter] = {
    name: _adapter(reference) for provider in REGISTRY.values() for name, reference in provider.adapters.items()
}

__all__ = ["ADAPTERS", "ProviderAdapter", "StreamTranslator", "Target", "UpstreamCall"]
