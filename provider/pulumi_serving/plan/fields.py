"""The planner's table: how every field of the serving and secrets APIs' create and update requests is applied.

Each row is a declared field of a resource and exactly one handling: the API call that sends it (and, for a
field whose removal needs another call, that call), the reason it forces a replace, or the reason it is
rejected at preview. ``api_fields`` names the request
model fields (``spec``) the row covers; a unit test fails when a request field has no row, and
``docs/planner.md`` is generated from this table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..payloads import api_paths
from ..payloads.api_paths import Api
from .model import Replace

RATE_LIMITS_ELSEWHERE = "rate limits are declared with the RateLimits resource (AI gateway rate limits)"


@dataclass(frozen=True)
class FieldRule:
    resource: str
    field: str
    api_fields: tuple[str, ...] = ()
    call: Api | None = None
    unset_call: Api | None = None  # the call that sends the field's removal, when it is not ``call``
    replace: str | None = None
    reject: str | None = None
    view: str | None = None  # path of the field in the stored view, when it differs from ``field``
    exact: bool = False  # the row covers the field itself, not the fields beneath it
    note: str = ""

    @property
    def handling(self) -> str:
        if self.call is not None:
            return f"`{self.call}`" + (f"; removed: `{self.unset_call}`" if self.unset_call else "")
        return f"replace: {self.replace}" if self.replace else f"rejected: {self.reject}"


def _endpoint(field: str, *api_fields: str, **kw: object) -> FieldRule:
    return FieldRule("ServingEndpoint", field, api_fields, **kw)  # type: ignore[arg-type]


CREATE, CONFIG, GATEWAY = "CreateServingEndpoint", "EndpointCoreConfigInput", "AiGatewayConfig"
SECRET_IDENTITY = "a secret's scope and key are its identity"
SECRET_VALUE = (
    f"the value is never stored: compared by its salted fingerprint; the put (an upsert) is followed by "
    f"`{api_paths.LIST_SECRETS}` to record its timestamp"
)
ACL_IDENTITY = "an ACL's scope and principal are its identity"

RULES: tuple[FieldRule, ...] = (
    _endpoint(
        "endpoint_name",
        f"{CREATE}.name",
        "PermissionsRequest.serving_endpoint_id",
        replace="an endpoint's name is its identity; the API cannot rename an endpoint",
    ),
    _endpoint(
        "route_optimized",
        f"{CREATE}.route_optimized",
        replace="route_optimized can only be set when an endpoint is created",
    ),
    _endpoint(
        "description",
        f"{CREATE}.description",
        replace="the serving API has no call that changes an endpoint's description",
    ),
    _endpoint(
        "budget_policy_id",
        f"{CREATE}.budget_policy_id",
        replace="the serving API has no call that changes an endpoint's budget policy",
    ),
    _endpoint(
        "usage_policy_id",
        f"{CREATE}.usage_policy_id",
        replace="the serving API has no call that changes an endpoint's usage policy",
    ),
    _endpoint(
        "config.served_entities[].external_model.task",
        exact=True,
        replace="an endpoint's task is fixed when it is created",
    ),
    _endpoint(
        "config.served_entities[].external_model",
        exact=True,
        replace="an endpoint cannot gain or lose external models",
        note="only when the endpoint switches between external models and other entities",
    ),
    _endpoint(
        "config.name", f"{CONFIG}.name", reject="the endpoint's name is endpoint_name; the API ignores config.name"
    ),
    _endpoint(
        "config.served_entities",
        f"{CREATE}.config",
        f"{CONFIG}.served_entities",
        call=api_paths.PUT_CONFIG,
        note="write-only *_plaintext keys are compared by salted fingerprint",
    ),
    _endpoint(
        "config.served_models",
        f"{CONFIG}.served_models",
        call=api_paths.PUT_CONFIG,
        view="config.served_entities",
        note="deprecated; folded into served_entities",
    ),
    _endpoint(
        "config.traffic_config",
        f"{CONFIG}.traffic_config",
        call=api_paths.PUT_CONFIG,
        view="config.routes",
        note="absent with one entity == the server-filled 100% route",
    ),
    _endpoint(
        "config.auto_capture_config",
        f"{CONFIG}.auto_capture_config",
        call=api_paths.PUT_CONFIG,
        note="deprecated inference tables",
    ),
    _endpoint(
        "tags", f"{CREATE}.tags", "PatchTagsRequest.add_tags", "PatchTagsRequest.delete_tags", call=api_paths.PATCH_TAGS
    ),
    _endpoint(
        "email_notifications",
        f"{CREATE}.email_notifications",
        "PatchNotificationsRequest.email_notifications",
        call=api_paths.PATCH_NOTIFICATIONS,
    ),
    _endpoint(
        "telemetry_config",
        f"{CREATE}.telemetry_config",
        "PatchTelemetryRequest.telemetry_config",
        call=api_paths.PATCH_TELEMETRY,
        note="custom-model endpoints only; rejected for external models (the API answers 400)",
    ),
    _endpoint("ai_gateway.rate_limits", f"{GATEWAY}.rate_limits", reject=RATE_LIMITS_ELSEWHERE),
    _endpoint(
        "ai_gateway.usage_tracking_config",
        f"{CREATE}.ai_gateway",
        f"{GATEWAY}.usage_tracking_config",
        call=api_paths.PUT_AI_GATEWAY,
        note="read-modify-write: the rate limits on the server are kept",
    ),
    _endpoint("ai_gateway.inference_table_config", f"{GATEWAY}.inference_table_config", call=api_paths.PUT_AI_GATEWAY),
    _endpoint("ai_gateway.guardrails", f"{GATEWAY}.guardrails", call=api_paths.PUT_AI_GATEWAY),
    _endpoint("ai_gateway.fallback_config", f"{GATEWAY}.fallback_config", call=api_paths.PUT_AI_GATEWAY),
    _endpoint(
        "rate_limits",
        f"{CREATE}.rate_limits",
        "PutRateLimitsRequest.rate_limits",
        call=api_paths.PUT_AI_GATEWAY,
        note="a RateLimits child of the endpoint (AI gateway limits; the legacy rate-limits API is "
        "deprecated and GET does not return it)",
    ),
    FieldRule("RateLimits", "endpoint", replace="rate limits belong to one endpoint"),
    FieldRule(
        "RateLimits",
        "endpoint_id",
        call=api_paths.PUT_AI_GATEWAY,
        note="the endpoint was recreated: its limits are set again",
    ),
    FieldRule(
        "RateLimits",
        "rate_limits",
        (f"{GATEWAY}.rate_limits",),
        call=api_paths.PUT_AI_GATEWAY,
        note="read-modify-write: the endpoint's other gateway sections are kept",
    ),
    FieldRule("EndpointPermissions", "endpoint", replace="permissions belong to one endpoint"),
    FieldRule(
        "EndpointPermissions",
        "endpoint_id",
        call=api_paths.SET_PERMISSIONS,
        note="the endpoint was recreated: its grants are set again",
    ),
    FieldRule(
        "EndpointPermissions",
        "access_control_list",
        ("PermissionsRequest.access_control_list",),
        call=api_paths.SET_PERMISSIONS,
        note="authoritative for direct grants; the caller's CAN_MANAGE is kept",
    ),
    FieldRule("Secret", "scope", ("PutSecret.scope",), replace=SECRET_IDENTITY),
    FieldRule("Secret", "key", ("PutSecret.key",), replace=SECRET_IDENTITY),
    FieldRule("Secret", "string_value", ("PutSecret.string_value",), call=api_paths.PUT_SECRET, note=SECRET_VALUE),
    FieldRule("Secret", "bytes_value", ("PutSecret.bytes_value",), call=api_paths.PUT_SECRET, note=SECRET_VALUE),
    FieldRule(
        "SecretScope", "scope", ("CreateScope.scope", "DeleteAcl.scope"), replace="secret scope names are immutable"
    ),
    FieldRule(
        "SecretScope",
        "backend_type",
        ("CreateScope.scope_backend_type", "CreateScope.backend_azure_keyvault"),
        reject="only DATABRICKS scopes can be declared",
        note="any other backend (such as Azure Key Vault) is rejected at preview; DATABRICKS, the default, is "
        "sent when the scope is created",
    ),
    FieldRule(
        "SecretScope",
        "initial_manage_principal",
        ("CreateScope.initial_manage_principal", "DeleteAcl.principal"),
        call=api_paths.PUT_ACL,
        unset_call=api_paths.DELETE_ACL,
        note="`users` (the only accepted value) is granted MANAGE on the scope; removing it revokes that grant",
    ),
    FieldRule("SecretAcl", "scope", ("PutAcl.scope",), replace=ACL_IDENTITY),
    FieldRule("SecretAcl", "principal", ("PutAcl.principal",), replace=ACL_IDENTITY),
    FieldRule("SecretAcl", "permission", ("PutAcl.permission",), call=api_paths.PUT_ACL),
    FieldRule(
        "SecretScopeAcls", "scope", ("PutAcl.scope", "DeleteAcl.scope"), replace="the grants belong to one scope"
    ),
    FieldRule(
        "SecretScopeAcls",
        "acls",
        ("PutAcl.principal", "PutAcl.permission", "DeleteAcl.principal"),
        call=api_paths.PUT_ACL,
        unset_call=api_paths.DELETE_ACL,
        note="authoritative over the scope's grants: a grant not declared is revoked, except the caller's own "
        "(kept, with MANAGE when the declaration would leave the caller without it); destroying the resource "
        "revokes nothing",
    ),
)

_INDEX = re.compile(r"\[[^\]]*\]")


def rule_for(resource: str, path: str) -> FieldRule:
    """The row whose field (or stored view path) is the longest prefix of ``path`` (list indexes ignored);
    for a whole section, the row of the fields beneath it when they share one call."""
    bare = _INDEX.sub("[]", path)
    best, best_len = None, -1
    for rule in RULES:
        if rule.resource != resource:
            continue
        for prefix in (rule.field, rule.view or rule.field):
            below = not rule.exact and bare.startswith((f"{prefix}.", f"{prefix}["))
            if (bare == prefix or below) and len(prefix) > best_len:
                best, best_len = rule, len(prefix)
    if best is None:  # a whole section (``ai_gateway``) added or removed: the call of the rows beneath it
        beneath = [r for r in RULES if r.resource == resource and r.field.startswith(f"{bare}.") and r.call]
        if beneath and len({r.call for r in beneath}) == 1:
            return beneath[0]
        raise KeyError(f"{resource}.{path} has no row in the planner's table")
    return best


def rules_of(resource: str) -> list[FieldRule]:
    """The rows of ``resource``, in the table's order."""
    return [rule for rule in RULES if rule.resource == resource]


def identity_replaces(resource: str, olds: dict[str, Any], news: dict[str, Any]) -> list[Replace]:
    """One replace per changed identity property of ``resource`` (its rows with a replace reason)."""
    return [
        Replace(rule.field, rule.field, rule.replace)
        for rule in rules_of(resource)
        if rule.replace and olds.get(rule.field) != news.get(rule.field)
    ]


def call_for(resource: str, field: str, *, removed: bool = False) -> Api:
    """The call that sends ``field`` of ``resource`` (its removal, with ``removed``, when another call does)."""
    rule = rule_for(resource, field)
    api = (rule.unset_call or rule.call) if removed else rule.call
    if api is None:
        raise KeyError(f"{resource}.{field} is not sent by a call in the planner's table")
    return api


def covered_api_fields() -> set[str]:
    return {api for rule in RULES for api in rule.api_fields}
