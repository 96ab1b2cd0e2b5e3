"""PaLM (Generative Language API v1beta3): text, messages and embeddings."""

from __future__ import annotations

from typing import ClassVar

from .credential_block import CredentialBlock, credential_pair
from .provider import ALL_TASKS, Bases, Block, ExternalProvider, Target, text

BLOCK = "palm_config"
KEY = credential_pair(BLOCK, "palm_api_key")


class PaLmConfig(CredentialBlock):
    _pairs: ClassVar = (KEY,)
    palm_api_key: str | None = None
    palm_api_key_plaintext: str | None = None


def target(entity: str, name: str, cfg: Block, bases: Bases) -> Target:
    return Target("palm", name, bases["palm"], text(cfg.get("palm_api_key")))


PROVIDER = ExternalProvider(
    name="palm",
    block=BLOCK,
    config=PaLmConfig,
    credentials=(KEY,),
    tasks=ALL_TASKS,
    target=target,
    adapters={"palm": "palm:PaLMAdapter"},
    fakes=("google_wire",),
    default_base="https://generativelanguage.googleapis.com/v1beta3",
)
