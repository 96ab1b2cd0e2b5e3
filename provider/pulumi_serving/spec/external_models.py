"""External model payloads (docs/databricks-api.md#external-models): providers, config blocks, credential pairs, tasks.

Every credential is a pair: ``X`` holds a secret reference ``{{secrets/scope/key}}`` and ``X_plaintext``
holds the raw value. The two are mutually exclusive; ``X_plaintext`` is write-only (never returned by
the API). :data:`CREDENTIAL_PAIRS` is the explicit table of these pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, get_args

from pydantic import field_validator, model_validator

from .base import SpecModel
from .secret_ref_syntax import parse_secret_ref
from .server_behaviour import CHAT, COMPLETIONS, fold_enum

Provider = Literal[
    "openai",
    "anthropic",
    "cohere",
    "amazon-bedrock",
    "google-cloud-vertex-ai",
    "ai21labs",
    "palm",
    "databricks-model-serving",
    "custom",
]
Task = Literal[
    "llm/v1/completions", "llm/v1/chat", "llm/v1/embeddings"
]  # server_behaviour's task names (a test checks)
PROVIDERS: tuple[str, ...] = get_args(Provider)
TASKS: tuple[str, ...] = get_args(Task)

PROVIDER_CONFIG_BLOCK: dict[str, str] = {
    "openai": "openai_config",
    "anthropic": "anthropic_config",
    "cohere": "cohere_config",
    "amazon-bedrock": "amazon_bedrock_config",
    "google-cloud-vertex-ai": "google_cloud_vertex_ai_config",
    "ai21labs": "ai21labs_config",
    "palm": "palm_config",
    "databricks-model-serving": "databricks_model_serving_config",
    "custom": "custom_provider_config",
}

_ALL = frozenset(TASKS)
PROVIDER_TASKS: dict[str, frozenset[str]] = {
    "openai": _ALL,
    "cohere": _ALL,
    "palm": _ALL,
    "amazon-bedrock": _ALL,
    "anthropic": frozenset({COMPLETIONS, CHAT}),
    "ai21labs": frozenset({COMPLETIONS}),
    "google-cloud-vertex-ai": _ALL,
    "databricks-model-serving": _ALL,
    "custom": _ALL,
}


@dataclass(frozen=True)
class CredentialPair:
    """``block.field`` takes a secret reference, ``block.plaintext_field`` the raw (write-only) value."""

    block: str
    field: str
    plaintext_field: str


CREDENTIAL_PAIRS: tuple[CredentialPair, ...] = (
    CredentialPair("openai_config", "openai_api_key", "openai_api_key_plaintext"),
    CredentialPair("openai_config", "microsoft_entra_client_secret", "microsoft_entra_client_secret_plaintext"),
    CredentialPair("anthropic_config", "anthropic_api_key", "anthropic_api_key_plaintext"),
    CredentialPair("cohere_config", "cohere_api_key", "cohere_api_key_plaintext"),
    CredentialPair("amazon_bedrock_config", "aws_access_key_id", "aws_access_key_id_plaintext"),
    CredentialPair("amazon_bedrock_config", "aws_secret_access_key", "aws_secret_access_key_plaintext"),
    CredentialPair("google_cloud_vertex_ai_config", "private_key", "private_key_plaintext"),
    CredentialPair("ai21labs_config", "ai21labs_api_key", "ai21labs_api_key_plaintext"),
    CredentialPair("palm_config", "palm_api_key", "palm_api_key_plaintext"),
    CredentialPair("databricks_model_serving_config", "databricks_api_token", "databricks_api_token_plaintext"),
    CredentialPair("custom_provider_config.api_key_auth", "value", "value_plaintext"),
    CredentialPair("custom_provider_config.bearer_token_auth", "token", "token_plaintext"),
)

#: (block path, field) of every write-only plaintext field.
WRITE_ONLY_FIELDS: frozenset[tuple[str, str]] = frozenset((p.block, p.plaintext_field) for p in CREDENTIAL_PAIRS)


def _pairs_for(block: str) -> tuple[CredentialPair, ...]:
    return tuple(p for p in CREDENTIAL_PAIRS if p.block == block)


class _CredentialBlock(SpecModel):
    """A config block holding credential pairs; checks exclusivity and reference syntax."""

    _block: ClassVar[str] = ""

    def _pair_set(self, pair: CredentialPair) -> tuple[bool, bool]:
        return getattr(self, pair.field) is not None, getattr(self, pair.plaintext_field) is not None

    def _require(self, pair: CredentialPair, why: str = "") -> None:
        if not any(self._pair_set(pair)):
            raise ValueError(f"one of {pair.field} or {pair.plaintext_field} is required{why}")

    @model_validator(mode="after")
    def _check_pairs(self) -> Any:
        for pair in _pairs_for(self._block):
            ref_set, plain_set = self._pair_set(pair)
            if ref_set and plain_set:
                raise ValueError(f"{pair.field} and {pair.plaintext_field} are mutually exclusive")
            if ref_set:
                try:
                    parse_secret_ref(getattr(self, pair.field))
                except ValueError as exc:
                    raise ValueError(f"{pair.field}: {exc}") from None
            if plain_set and not getattr(self, pair.plaintext_field):
                raise ValueError(f"{pair.plaintext_field} must not be empty")
        self._check_rules()
        return self

    def _check_rules(self) -> None:
        for pair in _pairs_for(self._block):
            self._require(pair)


class OpenAiConfig(_CredentialBlock):
    """``openai_config``; Azure OpenAI is ``openai_api_type`` ``azure`` (key) or ``azuread`` (Entra ID)."""

    _block: ClassVar[str] = "openai_config"
    openai_api_key: str | None = None
    openai_api_key_plaintext: str | None = None
    openai_api_type: Literal["openai", "azure", "azuread"] | None = None
    openai_api_base: str | None = None
    openai_api_version: str | None = None
    openai_deployment_name: str | None = None
    openai_organization: str | None = None
    microsoft_entra_tenant_id: str | None = None
    microsoft_entra_client_id: str | None = None
    microsoft_entra_client_secret: str | None = None
    microsoft_entra_client_secret_plaintext: str | None = None

    @field_validator("openai_api_type", mode="before")
    @classmethod
    def _lower_type(cls, value: Any) -> Any:
        return fold_enum(value)

    def _check_rules(self) -> None:
        key, entra = CREDENTIAL_PAIRS[0], CREDENTIAL_PAIRS[1]
        api_type = self.openai_api_type or "openai"
        entra_fields = ("microsoft_entra_tenant_id", "microsoft_entra_client_id")
        if api_type == "openai":
            self._require(key)
            if self.openai_deployment_name is not None:
                raise ValueError("openai_deployment_name is only allowed when openai_api_type is azure or azuread")
        else:
            missing = [
                f for f in ("openai_api_base", "openai_deployment_name", "openai_api_version") if not getattr(self, f)
            ]
            if missing:
                raise ValueError(f"{', '.join(missing)} required when openai_api_type is {api_type}")
            if self.openai_organization is not None:
                raise ValueError(f"openai_organization is not allowed when openai_api_type is {api_type}")
        if api_type == "azure":
            self._require(key, " when openai_api_type is azure")
        if api_type == "azuread":
            missing = [f for f in entra_fields if not getattr(self, f)]
            if missing:
                raise ValueError(f"{', '.join(missing)} required when openai_api_type is azuread")
            self._require(entra, " when openai_api_type is azuread")
            if any(self._pair_set(key)):
                raise ValueError("openai_api_key is not used when openai_api_type is azuread; use microsoft_entra_*")
        else:
            used = [f for f in (*entra_fields, entra.field, entra.plaintext_field) if getattr(self, f) is not None]
            if used:
                raise ValueError(f"{', '.join(used)} only allowed when openai_api_type is azuread")


class AnthropicConfig(_CredentialBlock):
    _block: ClassVar[str] = "anthropic_config"
    anthropic_api_key: str | None = None
    anthropic_api_key_plaintext: str | None = None


class CohereConfig(_CredentialBlock):
    _block: ClassVar[str] = "cohere_config"
    cohere_api_key: str | None = None
    cohere_api_key_plaintext: str | None = None
    cohere_api_base: str | None = None


class AmazonBedrockConfig(_CredentialBlock):
    """Auth is exactly one of: access keys (id + secret), instance profile, UC service credential."""

    _block: ClassVar[str] = "amazon_bedrock_config"
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
        key_id, secret = _pairs_for(self._block)
        keys_used = any(self._pair_set(key_id)) or any(self._pair_set(secret))
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
            self._require(key_id, " with access-key auth")
            self._require(secret, " with access-key auth")


class GoogleCloudVertexAiConfig(_CredentialBlock):
    _block: ClassVar[str] = "google_cloud_vertex_ai_config"
    project_id: str
    region: str
    private_key: str | None = None
    private_key_plaintext: str | None = None


class Ai21LabsConfig(_CredentialBlock):
    _block: ClassVar[str] = "ai21labs_config"
    ai21labs_api_key: str | None = None
    ai21labs_api_key_plaintext: str | None = None


class PaLmConfig(_CredentialBlock):
    _block: ClassVar[str] = "palm_config"
    palm_api_key: str | None = None
    palm_api_key_plaintext: str | None = None


class DatabricksModelServingConfig(_CredentialBlock):
    _block: ClassVar[str] = "databricks_model_serving_config"
    databricks_workspace_url: str
    databricks_api_token: str | None = None
    databricks_api_token_plaintext: str | None = None


class ApiKeyAuth(_CredentialBlock):
    _block: ClassVar[str] = "custom_provider_config.api_key_auth"
    key: str
    value: str | None = None
    value_plaintext: str | None = None


class BearerTokenAuth(_CredentialBlock):
    _block: ClassVar[str] = "custom_provider_config.bearer_token_auth"
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


class ExternalModel(SpecModel):
    """``external_model``: provider, provider model name, task and exactly the matching config block."""

    provider: Provider
    name: str
    task: Task
    openai_config: OpenAiConfig | None = None
    anthropic_config: AnthropicConfig | None = None
    cohere_config: CohereConfig | None = None
    amazon_bedrock_config: AmazonBedrockConfig | None = None
    google_cloud_vertex_ai_config: GoogleCloudVertexAiConfig | None = None
    ai21labs_config: Ai21LabsConfig | None = None
    palm_config: PaLmConfig | None = None
    databricks_model_serving_config: DatabricksModelServingConfig | None = None
    custom_provider_config: CustomProviderConfig | None = None

    @model_validator(mode="after")
    def _matching_block(self) -> ExternalModel:
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
