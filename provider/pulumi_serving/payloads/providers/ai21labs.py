"""AI21 Labs (Jurassic ``complete``): completions only."""

from __future__ import annotations

from typing import ClassVar

from ..server_behaviour import COMPLETIONS
from .credential_block import CredentialBlock, credential_pair
from .provider import Bases, Block, ExternalProvider, Target, text

BLOCK = "ai21labs_config"
KEY = credential_pair(BLOCK, "ai21labs_api_key")


class Ai21LabsConfig(CredentialBlock):
    _pairs: ClassVar = (KEY,)
    ai21labs_api_key: str | None = None
    ai21labs_api_key_plaintext: str | None = None


def target(entity: str, name: str, cfg: Block, bases: Bases) -> Target:
    return Target("ai21labs", name, bases["ai21labs"], text(cfg.get("ai21labs_api_key")))


PROVIDER = ExternalProvider(
    name="ai21labs",
    block=BLOCK,
    config=Ai21LabsConfig,
    credentials=(KEY,),
    tasks=frozenset({COMPLETIONS}),
    target=target,
    adapters={"ai21labs": "ai21labs:AI21LabsAdapter"},
    fakes=("ai21_wire",),
    default_base="https://api.ai21.com/studio/v1",
)
