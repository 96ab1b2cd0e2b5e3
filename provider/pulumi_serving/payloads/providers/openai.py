"""OpenAI, and Azure OpenAI (``openai_api_type`` ``azure``: key, ``azuread``: Microsoft Entra ID token)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import field_validator

from ..server_behaviour import DEFAULT_OPENAI_API_TYPE, fold_enum, fold_openai_api_type
from .credential_block import CredentialBlock, credential_pair
from .provider import ALL_TASKS, Bases, Block, EntraToken, ExternalProvider, Target, text

BLOCK = "openai_config"
KEY = credential_pair(BLOCK, "openai_api_key")
ENTRA = credential_pair(BLOCK, "microsoft_entra_client_secret")


class OpenAiConfig(CredentialBlock):
    """``openai_config``; Azure OpenAI is ``openai_api_type`` ``azure`` (key) or ``azuread`` (Entra ID)."""

    _pairs: ClassVar = (KEY, ENTRA)
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
        api_type = self.openai_api_type or "openai"
        entra_fields = ("microsoft_entra_tenant_id", "microsoft_entra_client_id")
        if api_type == "openai":
            self._require(KEY)
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
            self._require(KEY, " when openai_api_type is azure")
        if api_type == "azuread":
            missing = [f for f in entra_fields if not getattr(self, f)]
            if missing:
                raise ValueError(f"{', '.join(missing)} required when openai_api_type is azuread")
            self._require(ENTRA, " when openai_api_type is azuread")
            if any(self._pair_set(KEY)):
                raise ValueError("openai_api_key is not used when openai_api_type is azuread; use microsoft_entra_*")
        else:
            used = [f for f in (*entra_fields, ENTRA.field, ENTRA.plaintext_field) if getattr(self, f) is not None]
            if used:
                raise ValueError(f"{', '.join(used)} only allowed when openai_api_type is azuread")


def target(entity: str, name: str, cfg: Block, bases: Bases) -> Target:
    api_type = fold_openai_api_type(cfg.get("openai_api_type"))
    if api_type == DEFAULT_OPENAI_API_TYPE:
        base = cfg.get("openai_api_base") or bases["openai"]
        return Target(
            "openai",
            name,
            base,
            text(cfg.get("openai_api_key")),
            {"organization": text(cfg.get("openai_organization"))},
        )
    options = {
        "api_type": api_type,
        "deployment": text(cfg.get("openai_deployment_name")),
        "api_version": text(cfg.get("openai_api_version")),
    }
    token = None
    if api_type == "azuread":
        token = EntraToken(
            bases["entra"],
            text(cfg.get("microsoft_entra_tenant_id")),
            text(cfg.get("microsoft_entra_client_id")),
            text(cfg.get("microsoft_entra_client_secret")),
        )
    return Target("azure", name, text(cfg.get("openai_api_base")), text(cfg.get("openai_api_key")), options, token)


def token_endpoints(cfg: Block) -> tuple[str, ...]:
    return ("entra",) if fold_openai_api_type(cfg.get("openai_api_type")) == "azuread" else ()


PROVIDER = ExternalProvider(
    name="openai",
    block=BLOCK,
    config=OpenAiConfig,
    credentials=(KEY, ENTRA),
    tasks=ALL_TASKS,
    target=target,
    adapters={"openai": "openai:OpenAIAdapter", "azure": "openai:AzureOpenAIAdapter"},
    fakes=("openai_wire", "entra_wire"),
    default_base="https://api.openai.com/v1",
    url_fields=("openai_api_base",),
    token_bases={"entra": "https://login.microsoftonline.com"},
    token_endpoints=token_endpoints,
)
