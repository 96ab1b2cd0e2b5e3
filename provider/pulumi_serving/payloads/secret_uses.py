"""Which ``{{secrets/...}}`` references an endpoint config uses, and the field path of each (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

from .endpoints import EndpointCoreConfigInput
from .external_models import ExternalModel
from .problems import join_path
from .providers import REGISTRY
from .secret_ref_syntax import SecretRef, looks_like_secret_ref, parse_secret_ref


@dataclass(frozen=True)
class SecretUse:
    """``ref`` is used at ``path`` (e.g. ``served_entities[0].external_model.openai_config.openai_api_key``)."""

    path: str
    ref: SecretRef


def _block(model: ExternalModel, block_path: str) -> object | None:
    node: object | None = model
    for part in block_path.split("."):
        node = getattr(node, part, None) if node is not None else None
    return node


def external_model_secret_uses(model: ExternalModel, prefix: str = "external_model") -> list[SecretUse]:
    uses = []
    for pair in REGISTRY[model.provider].credentials:
        block = _block(model, pair.block)
        value = getattr(block, pair.field, None) if block is not None else None
        if value is not None:
            uses.append(SecretUse(join_path(prefix, pair.block, pair.field), parse_secret_ref(value)))
    return uses


def config_secret_uses(config: EndpointCoreConfigInput, prefix: str = "") -> list[SecretUse]:
    """Every ``{{secrets/...}}`` in credential fields and ``environment_vars`` of ``config``."""
    uses: list[SecretUse] = []
    list_field = "served_models" if config.served_models is not None else "served_entities"
    for index, entity in enumerate(config.entities()):
        base = join_path(prefix, list_field, index)
        if entity.external_model is not None:
            uses.extend(external_model_secret_uses(entity.external_model, join_path(base, "external_model")))
        for name, value in (entity.environment_vars or {}).items():
            if looks_like_secret_ref(value):
                uses.append(SecretUse(join_path(base, "environment_vars", name), parse_secret_ref(value)))
    return uses
