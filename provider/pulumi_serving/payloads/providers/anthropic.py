"""Anthropic (Messages and Text Completions APIs); no embeddings."""

from __future__ import annotations

from typing import ClassVar

from ..server_behaviour import CHAT, COMPLETIONS
from .credential_block import CredentialBlock, credential_pair
from .provider import Bases, Block, ExternalProvider, Target, text

BLOCK = "anthropic_config"
KEY = credential_pair(BLOCK, "anthropic_api_key")


class AnthropicConfig(CredentialBlock):
    _pairs: ClassVar = (KEY,)
    anthropic_api_key: str | None = None
    anthropic_api_key_plaintext: str | None = None


def target(entity: str, name: str, cfg: Block, bases: Bases) -> Target:
    return Target("anthropic", name, bases["anthropic"], text(cfg.get("anthropic_api_key")))


PROVIDER = ExternalProvider(
    name="anthropic",
    block=BLOCK,
    config=AnthropicConfig,
    credentials=(KEY,),
    tasks=frozenset({COMPLETIONS, CHAT}),
    target=target,
    adapters={"anthropic": "anthropic:AnthropicAdapter"},
    fakes=("anthropic_wire",),
    default_base="https://api.anthropic.com/v1",
)
