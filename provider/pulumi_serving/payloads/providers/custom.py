"""A custom provider speaking the OpenAI wire format at ``custom_provider_url``, with an API key header or a
bearer token."""

from __future__ import annotations

from typing import ClassVar

from pydantic import model_validator

from ..base import SpecModel
from .credential_block import CredentialBlock, credential_pair
from .provider import ALL_TASKS, Bases, Block, ExternalProvider, Target, text

BLOCK = "custom_provider_config"
API_KEY = credential_pair(f"{BLOCK}.api_key_auth", "value")
BEARER = credential_pair(f"{BLOCK}.bearer_token_auth", "token")


class ApiKeyAuth(CredentialBlock):
    _pairs: ClassVar = (API_KEY,)
    key: str
    value: str | None = None
    value_plaintext: str | None = None


class BearerTokenAuth(CredentialBlock):
    _pairs: ClassVar = (BEARER,)
    token: str | None = None
    token_plaintext: str | None = None


class CustomProviderConfig(SpecModel):
    custom_provider_url: str
    api_key_auth: ApiKeyAuth | None = None
    bearer_token_auth: BearerTokenAuth | None = None

    @model_validator(mode="after")
    def _one_auth(self) -> CustomProviderConfig:
        if self.api_key_auth is not None and self.bearer_token_auth is not None:
            raise ValueError("api_key_auth and bearer_token_auth are mutually exclusive")
        return self


def target(entity: str, name: str, cfg: Block, bases: Bases) -> Target:
    api_key, bearer = cfg.get("api_key_auth"), cfg.get("bearer_token_auth")
    if api_key:
        return Target(
            "custom",
            name,
            cfg["custom_provider_url"],
            text(api_key.get("value")),
            {"auth_header": text(api_key.get("key"))},
        )
    return Target("custom", name, cfg["custom_provider_url"], text((bearer or {}).get("token")))


PROVIDER = ExternalProvider(
    name="custom",
    block=BLOCK,
    config=CustomProviderConfig,
    credentials=(API_KEY, BEARER),
    tasks=ALL_TASKS,
    target=target,
    adapters={"custom": "openai:CustomAdapter"},
    fakes=("openai_wire",),
    url_fields=("custom_provider_url",),
)
