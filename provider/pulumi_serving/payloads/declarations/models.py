"""Pydantic models of a stack's declarations (``serving:scopes``, ``serving:endpoints``, ``serving:wait_timeout``).

They live in the stack file under the ``serving`` namespace::

    config:
      serving:scopes:    [ {scope, secrets: [{key, value_from}], acls: [{principal, permission}], authoritative_acls} ]
      serving:endpoints: [ {name, config, tags, ai_gateway, rate_limits, permissions, description, ...} ]
      serving:wait_timeout: seconds to wait for every endpoint's config update
      serving:name_suffix, serving:endpoint_overrides: per-stack variations of declarations shared in Pulumi.yaml
      serving:stack_scopes, serving:stack_endpoints: per stack, objects only this stack declares (added as written)

Secret values never appear here: a secret's ``value_from`` and any ``*_plaintext`` credential
(``{secret: <config key>}``) name another stack config key holding a Pulumi secure value.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..endpoints import AccessControlRequest, AiGatewayRateLimit, EmailNotifications
from ..tags import EndpointTag

NAMESPACE = "serving"
CONFIG_KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]*$"


class Decl(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class SecretValueRef(Decl):
    """A value kept in another stack config key as a Pulumi secure value (``pulumi config set --secret``)."""

    secret: str = Field(pattern=CONFIG_KEY_PATTERN, description="config key (in the serving namespace) holding it")


class SecretDeclaration(Decl):
    key: str = Field(description="secret key within the scope")
    value_from: str = Field(
        pattern=CONFIG_KEY_PATTERN, description="config key (serving namespace) whose secure value is the secret value"
    )
    encoding: Literal["string", "base64"] = Field("string", description="base64 values are sent as bytes_value")


class AclDeclaration(Decl):
    principal: str = Field(min_length=1)
    permission: Literal["READ", "WRITE", "MANAGE"]


class ScopeDeclaration(Decl):
    scope: str
    id: str | None = Field(
        None,
        pattern=CONFIG_KEY_PATTERN,
        description="stable resource name (defaults to scope); keep it to rename in place",
    )
    initial_manage_principal: Literal["users"] | None = None
    adopt: bool = Field(False, description="take over an existing scope of the same name")
    secrets: list[SecretDeclaration] = Field(default_factory=list)
    acls: list[AclDeclaration] = Field(default_factory=list)
    authoritative_acls: bool = Field(
        False,
        description="acls are the scope's whole set of grants (a "
        "SecretScopeAcls besides the SecretAcls): grants not declared are revoked, "
        "the caller's own kept",
    )


class EndpointDeclaration(Decl):
    name: str = Field(description="endpoint name (changing it replaces the endpoint)")
    config: dict[str, Any] = Field(
        description="EndpointCoreConfigInput, as in the Databricks API; *_plaintext "
        "credentials are given as {secret: <config key>}"
    )
    tags: list[EndpointTag] | dict[str, str] | None = None
    route_optimized: bool | None = None
    ai_gateway: dict[str, Any] | None = Field(None, description="AI gateway sections except rate_limits")
    rate_limits: list[AiGatewayRateLimit] | None = Field(None, description="AI gateway rate limits; 0 blocks")
    permissions: list[AccessControlRequest] | None = Field(
        None,
        description="the endpoint's direct grants, authoritative (the caller keeps its own CAN_MANAGE): "
        "{user_name | group_name | service_principal_name, permission_level}",
    )
    description: str | None = Field(None, description="changing it replaces the endpoint (no API call updates it)")
    email_notifications: EmailNotifications | None = None
    budget_policy_id: str | None = Field(None, description="changing it replaces the endpoint")
    usage_policy_id: str | None = Field(None, description="changing it replaces the endpoint")
    telemetry_config: dict[str, Any] | None = Field(None, description="custom-model endpoints only")
    adopt: bool = Field(False, description="take over an existing endpoint of the same name")
    allow_broken_references: bool = Field(
        False,
        description="let an update delete a scope or secret this endpoint still references (refused otherwise)",
    )
    id: str | None = Field(
        None,
        pattern=CONFIG_KEY_PATTERN,
        description="stable resource name (defaults to name); keep it to rename in place",
    )


class StackDeclarations(Decl):
    """Everything ``stacks/__main__.py`` declares for one stack."""

    scopes: list[ScopeDeclaration] = Field(default_factory=list)
    endpoints: list[EndpointDeclaration] = Field(default_factory=list)
    wait_timeout: float = Field(1200.0, gt=0, description="seconds to wait for all endpoints to be ready")
    name_suffix: str = Field(
        "",
        pattern=r"^[A-Za-z0-9_-]*$",
        description="per stack: appended to every endpoint's name (e.g. -dev); the resource keeps the declared name",
    )
    endpoint_overrides: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="per stack, by declared endpoint name: a JSON merge patch over that endpoint (mappings merge "
        "key by key, lists and scalars replace, null removes); name and id cannot be overridden",
    )
    stack_scopes: list[ScopeDeclaration] = Field(
        default_factory=list,
        description="per stack: scopes only this stack declares (e.g. adopted by pulumi-serving generate), added to "
        "the shared serving:scopes",
    )
    stack_endpoints: list[EndpointDeclaration] = Field(
        default_factory=list,
        description="per stack: endpoints only this stack declares, added to the shared serving:endpoints as written "
        "(no name_suffix, no endpoint_overrides)",
    )


#: Declarations whose value is text, never JSON to decode.
TEXT_KEYS = ("name_suffix",)
#: Per-stack keys applied to the declarations before they are checked (overrides.py).
OVERRIDE_KEYS = ("name_suffix", "endpoint_overrides", "stack_scopes", "stack_endpoints")
#: Per-stack keys whose entries are added to a shared declaration key: shared key -> stack key.
STACK_ONLY_KEYS = {"scopes": "stack_scopes", "endpoints": "stack_endpoints"}
#: Fields an override cannot change: the endpoint's identity (renames go through name_suffix).
FIXED_FIELDS = ("name", "id")
DECLARATION_KEYS = ("scopes", "endpoints", "wait_timeout", *OVERRIDE_KEYS)
PROVIDER_SETTINGS = ("host", "token", "profile")
