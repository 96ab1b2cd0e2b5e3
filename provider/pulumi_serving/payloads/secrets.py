"""Secrets API payloads (docs/databricks-api.md#secrets): scopes, secrets (string or bytes), ACLs, limits."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import AfterValidator, field_validator, model_validator

from .base import SpecModel
from .names import principal_name_problem, scope_name_problem, secret_key_problem

MAX_SCOPES = 1000
MAX_SECRETS_PER_SCOPE = 1000
MAX_SECRET_VALUE_BYTES = 128 * 1024

AclPermission = Literal["READ", "WRITE", "MANAGE"]
ACL_ORDER: dict[str, int] = {"READ": 1, "WRITE": 2, "MANAGE": 3}


def _named(problem: Callable[[object], str | None]) -> AfterValidator:
    """A validator refusing a name for which ``problem`` gives a reason."""

    def check(value: str) -> str:
        if reason := problem(value):
            raise ValueError(reason)
        return value

    return AfterValidator(check)


ScopeName = Annotated[str, _named(scope_name_problem)]
SecretKey = Annotated[str, _named(secret_key_problem)]
PrincipalName = Annotated[str, _named(principal_name_problem)]


class _ScopeField(SpecModel):
    scope: ScopeName


class _KeyField(_ScopeField):
    key: SecretKey


class AzureKeyVault(SpecModel):
    resource_id: str
    dns_name: str


class CreateScope(_ScopeField):
    initial_manage_principal: Literal["users"] | None = None
    scope_backend_type: Literal["DATABRICKS", "AZURE_KEYVAULT"] | None = None
    backend_azure_keyvault: AzureKeyVault | None = None

    @model_validator(mode="after")
    def _backend(self) -> CreateScope:
        if self.scope_backend_type == "AZURE_KEYVAULT" and self.backend_azure_keyvault is None:
            raise ValueError("backend_azure_keyvault is required when scope_backend_type is AZURE_KEYVAULT")
        if self.backend_azure_keyvault is not None and self.scope_backend_type != "AZURE_KEYVAULT":
            raise ValueError("backend_azure_keyvault requires scope_backend_type AZURE_KEYVAULT")
        return self


class DeleteScope(_ScopeField):
    pass


class PutSecret(_KeyField):
    """Exactly one of ``string_value`` (UTF-8) or ``bytes_value`` (base64), at most 128 KB decoded."""

    string_value: str | None = None
    bytes_value: str | None = None

    @model_validator(mode="after")
    def _one_value(self) -> PutSecret:
        if (self.string_value is None) == (self.bytes_value is None):
            raise ValueError("exactly one of string_value or bytes_value is required")
        size = len(self.value_bytes())
        if size > MAX_SECRET_VALUE_BYTES:
            raise ValueError(f"secret value is {size} bytes; the limit is {MAX_SECRET_VALUE_BYTES} bytes")
        return self

    @field_validator("bytes_value")
    @classmethod
    def _base64(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError("bytes_value must be base64-encoded") from None
        return value

    def value_bytes(self) -> bytes:
        if self.string_value is not None:
            return self.string_value.encode("utf-8")
        return base64.b64decode(self.bytes_value or "")

    def value_kind(self) -> Literal["string", "bytes"]:
        return "string" if self.string_value is not None else "bytes"


class DeleteSecret(_KeyField):
    pass


class _PrincipalField(_ScopeField):
    principal: PrincipalName


class PutAcl(_PrincipalField):
    permission: AclPermission


class DeleteAcl(_PrincipalField):
    pass
