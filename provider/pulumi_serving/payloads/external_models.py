"""External model payloads (docs/databricks-api.md#external-models), read from the provider registry
(:mod:`.providers`): the provider names, config blocks, credential pairs and tasks.

Every credential is a pair: ``X`` holds a secret reference ``{{secrets/scope/key}}`` and ``X_plaintext``
holds the raw value. The two are mutually exclusive; ``X_plaintext`` is write-only (never returned by
the API). :data:`CREDENTIAL_PAIRS` is the explicit table of these pairs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import create_model, model_validator

from .base import SpecModel
from .providers import REGISTRY, CredentialPair

PROVIDERS: tuple[str, ...] = tuple(REGISTRY)
if TYPE_CHECKING:
    Provider = str
else:
    Provider = Literal[PROVIDERS]
Task = Literal[
    "llm/v1/completions", "llm/v1/chat", "llm/v1/embeddings"
]  # server_behaviour's task names (a test checks)
TASKS: tuple[str, ...] = get_args(Task)

PROVIDER_CONFIG_BLOCK: dict[str, str] = {name: provider.block for name, provider in REGISTRY.items()}
PROVIDER_TASKS: dict[str, frozenset[str]] = {name: provider.tasks for name, provider in REGISTRY.items()}
CREDENTIAL_PAIRS: tuple[CredentialPair, ...] = tuple(pair for p in REGISTRY.values() for pair in p.credentials)

#: (block path, field) of every write-only plaintext field.
WRITE_ONLY_FIELDS: frozenset[tuple[str, str]] = frozenset((p.block, p.plaintext_field) for p in CREDENTIAL_PAIRS)


class ExternalModelFields(SpecModel):
    """The fields every external model has; :class:`ExternalModel` adds one optional field per config block."""

    provider: Provider
    name: str
    task: Task

    @model_validator(mode="after")
    def _matching_block(self) -> Any:
        if not self.name:
            raise ValueError("name must not be empty")
        expected = PROVIDER_CONFIG_BLOCK[self.provider]
        present = [block for block in PROVIDER_CONFIG_BLOCK.values() if getattr(self, block) is not None]
        others = [block for block in present if block != expected]
        if others:
            raise ValueError(f"{', '.join(others)} not allowed for provider {self.provider!r} (use {expected})")
        if expected not in present:
            raise ValueError(f"{expected} is required for provider {self.provider!r}")
        if self.task not in PROVIDER_TASKS[self.provider]:
            allowed = ", ".join(sorted(PROVIDER_TASKS[self.provider]))
            raise ValueError(
                f"task {self.task!r} is not supported by provider {self.provider!r} (supported: {allowed})"
            )
        return self


if TYPE_CHECKING:
    ExternalModel = ExternalModelFields
else:
    ExternalModel = create_model(
        "ExternalModel",
        __base__=ExternalModelFields,
        __module__=__name__,
        __doc__="``external_model``: provider, provider model name, task and exactly the matching config block.",
        **{p.block: (p.config | None, None) for p in REGISTRY.values()},
    )
