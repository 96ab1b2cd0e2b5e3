"""Amazon Bedrock: the model family's body (``bedrock_provider``), SigV4-signed with access keys in ``aws_region``."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import field_validator

from ..server_behaviour import fold_enum
from .credential_block import CredentialBlock, credential_pair
from .provider import ALL_TASKS, Bases, Block, ExternalProvider, Target, UnsupportedAuth, base_for, text

NAME = "amazon-bedrock"
BLOCK = "amazon_bedrock_config"
KEY_ID = credential_pair(BLOCK, "aws_access_key_id")
SECRET = credential_pair(BLOCK, "aws_secret_access_key")


class AmazonBedrockConfig(CredentialBlock):
    """Auth is exactly one of: access keys (id + secret), instance profile, UC service credential."""

    _pairs: ClassVar = (KEY_ID, SECRET)
    aws_region: str
    bedrock_provider: Literal["anthropic", "cohere", "ai21labs", "amazon"]
    aws_access_key_id: str | None = None
    aws_access_key_id_plaintext: str | None = None
    aws_secret_access_key: str | None = None
    aws_secret_access_key_plaintext: str | None = None
    instance_profile_arn: str | None = None
    uc_service_credential_name: str | None = None

    @field_validator("bedrock_provider", mode="before")
    @classmethod
    def _lower_provider(cls, value: Any) -> Any:
        return fold_enum(value)

    def _check_rules(self) -> None:
        keys_used = any(self._pair_set(KEY_ID)) or any(self._pair_set(SECRET))
        methods = [
            name
            for name, used in (
                ("access keys", keys_used),
                ("instance_profile_arn", self.instance_profile_arn is not None),
                ("uc_service_credential_name", self.uc_service_credential_name is not None),
            )
            if used
        ]
        if len(methods) != 1:
            raise ValueError(
                "exactly one auth method is required: access keys (aws_access_key_id + aws_secret_access_key), "
                f"instance_profile_arn or uc_service_credential_name (got {', '.join(methods) or 'none'})"
            )
        if keys_used:
            self._require(KEY_ID, " with access-key auth")
            self._require(SECRET, " with access-key auth")


def target(entity: str, name: str, cfg: Block, bases: Bases) -> Target:
    if not cfg.get("aws_access_key_id") or not cfg.get("aws_secret_access_key"):
        raise UnsupportedAuth(
            f"served entity {entity}: the local gateway signs Amazon Bedrock calls with "
            "access keys only (not instance_profile_arn or uc_service_credential_name)"
        )
    region = text(cfg.get("aws_region"))
    options = {
        "region": region,
        "access_key_id": str(cfg["aws_access_key_id"]),
        "bedrock_provider": text(cfg.get("bedrock_provider")).lower(),
    }
    return Target(NAME, name, base_for(bases, NAME, region), str(cfg["aws_secret_access_key"]), options)


PROVIDER = ExternalProvider(
    name=NAME,
    block=BLOCK,
    config=AmazonBedrockConfig,
    credentials=(KEY_ID, SECRET),
    tasks=ALL_TASKS,
    target=target,
    adapters={NAME: "bedrock:BedrockAdapter"},
    fakes=("bedrock_wire",),
    default_base="https://bedrock-runtime.{region}.amazonaws.com",
    region_field="aws_region",
)
