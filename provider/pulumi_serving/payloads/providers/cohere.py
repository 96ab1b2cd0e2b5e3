"""Cohere (generate, chat, embed); ``cohere_api_base`` replaces the default base."""

from __future__ import annotations

from typing import ClassVar

from .credential_block import CredentialBlock, credential_pair
from .provider import ALL_TASKS, Bases, Block, ExternalProvider, Target, text

BLOCK = "cohere_config"
KEY = credential_pair(BLOCK, "cohere_api_key")


class CohereConfig(CredentialBlock):
    _pairs: ClassVar = (KEY,)
    cohere_api_key: str | None = None
    cohere_api_key_plaintext: str | None = None
    cohere_api_base: str | None = None


def target(entity: str, name: str, cfg: Block, bases: Bases) -> Target:
    return Target("cohere", name, cfg.get("cohere_api_base") or bases["cohere"], text(cfg.get("cohere_api_key")))


PROVIDER = ExternalProvider(
    name="cohere",
    block=BLOCK,
    config=CohereConfig,
    credentials=(KEY,),
    tasks=ALL_TASKS,
    target=target,
    adapters={"cohere": "cohere:CohereAdapter"},
    fakes=("cohere_wire",),
    default_base="https://api.cohere.ai/v1",
    url_fields=("cohere_api_base",),
)
