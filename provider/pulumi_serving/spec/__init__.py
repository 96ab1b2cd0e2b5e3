"""Pydantic models of the Databricks serving-endpoint and secrets payloads, and pure validation.

The single source of truth for payload shapes: the local server validates request bodies with these
models and the provider uses the same functions for preview-time checks. No I/O here; checks needing
server state (does a referenced secret exist?) are the caller's, helped by :func:`config_secret_uses`.

Function API (each returns ``list[Problem]``, empty when valid)::

    validate_create_endpoint(payload)    validate_endpoint_config(payload)
    validate_ai_gateway(payload)         validate_rate_limits(payload)
    validate_tags_patch(payload)         validate_permissions(payload)
    validate_create_scope(payload)       validate_put_secret(payload)     validate_put_acl(payload)

``parse(Model, payload)`` returns the model or raises :class:`SpecError` carrying every Problem.
"""

from __future__ import annotations

from typing import Any

from . import endpoints, external_models, names, secret_ref_syntax, secrets
from .endpoints import (
    AccessControlRequest,
    AiGatewayConfig,
    AiGatewayRateLimit,
    CreateServingEndpoint,
    EndpointCoreConfigInput,
    EndpointTag,
    PatchTagsRequest,
    PermissionsRequest,
    PutRateLimitsRequest,
    RateLimit,
    Route,
    ServedEntityInput,
    ServedModelInput,
    TrafficConfig,
    config_transition_problems,
    external_transition_problem,
)
from .external_models import CREDENTIAL_PAIRS, PROVIDER_TASKS, PROVIDERS, TASKS, WRITE_ONLY_FIELDS, ExternalModel
from .problems import Problem, SpecError, check, format_problems, parse
from .config_secret_uses import SecretUse, config_secret_uses
from .secret_ref_syntax import SecretRef, format_secret_ref, parse_secret_ref
from .secrets import CreateScope, DeleteAcl, DeleteScope, DeleteSecret, PutAcl, PutSecret

__all__ = [
    "AccessControlRequest", "AiGatewayConfig", "AiGatewayRateLimit", "CREDENTIAL_PAIRS", "CreateScope",
    "CreateServingEndpoint", "DeleteAcl", "DeleteScope", "DeleteSecret", "EndpointCoreConfigInput", "EndpointTag",
    "ExternalModel", "PROVIDERS", "PROVIDER_TASKS", "PatchTagsRequest", "PermissionsRequest", "Problem", "PutAcl",
    "PutRateLimitsRequest", "PutSecret", "RateLimit", "Route", "SecretRef", "SecretUse", "ServedEntityInput",
    "ServedModelInput", "SpecError", "TASKS", "TrafficConfig", "WRITE_ONLY_FIELDS", "check",
    "config_secret_uses", "config_transition_problems", "external_transition_problem", "endpoints", "external_models", "format_problems",
    "format_secret_ref", "names", "parse", "parse_secret_ref", "secret_ref_syntax", "secrets",
    "validate_ai_gateway", "validate_create_endpoint", "validate_create_scope", "validate_endpoint_config",
    "validate_permissions", "validate_put_acl", "validate_put_secret", "validate_rate_limits",
    "validate_tags_patch",
]


def validate_create_endpoint(payload: Any) -> list[Problem]:
    """Problems in a ``POST /api/2.0/serving-endpoints`` body."""
    return check(CreateServingEndpoint, payload)


def validate_endpoint_config(payload: Any, prefix: str = "") -> list[Problem]:
    """Problems in a ``PUT .../config`` body (pass ``prefix="config"`` for the create form)."""
    return check(EndpointCoreConfigInput, payload, prefix)


def validate_ai_gateway(payload: Any) -> list[Problem]:
    return check(AiGatewayConfig, payload)


def validate_rate_limits(payload: Any) -> list[Problem]:
    """Problems in a legacy ``PUT .../rate-limits`` body."""
    return check(PutRateLimitsRequest, payload)


def validate_tags_patch(payload: Any) -> list[Problem]:
    return check(PatchTagsRequest, payload)


def validate_permissions(payload: Any) -> list[Problem]:
    return check(PermissionsRequest, payload)


def validate_create_scope(payload: Any) -> list[Problem]:
    return check(CreateScope, payload)


def validate_put_secret(payload: Any) -> list[Problem]:
    return check(PutSecret, payload)


def validate_put_acl(payload: Any) -> list[Problem]:
    return check(PutAcl, payload)
