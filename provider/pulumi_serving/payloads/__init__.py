"""Pydantic models of the Databricks serving-endpoint and secrets payloads, and pure validation.

The single source of truth for payload shapes: the local server validates request bodies with these
models and the provider uses the same functions for preview-time checks. No I/O here; checks needing
server state (does a referenced secret exist?) are the caller's, helped by :func:`config_secret_uses`.

``check(Model, payload)`` returns every :class:`Problem` of a payload (empty when valid); the resources use
:func:`validate_endpoint_config`, :func:`validate_ai_gateway` and :func:`validate_put_acl` for their inputs.
"""

from __future__ import annotations

from typing import Any

from . import endpoints, external_models, names, secret_ref_syntax, secrets
from .config_secret_uses import SecretUse, config_secret_uses
from .endpoints import (
    AccessControlRequest,
    AiGatewayConfig,
    AiGatewayRateLimit,
    CreateServingEndpoint,
    EndpointCoreConfigInput,
    PatchTagsRequest,
    PermissionsRequest,
    PutRateLimitsRequest,
    RateLimit,
    Route,
    ServedEntityInput,
    ServedModelInput,
    TrafficConfig,
    external_transition_problem,
)
from .external_models import CREDENTIAL_PAIRS, PROVIDER_TASKS, PROVIDERS, TASKS, WRITE_ONLY_FIELDS, ExternalModel
from .problems import Problem, check, format_problems
from .secret_ref_syntax import SecretRef, format_secret_ref, parse_secret_ref
from .secrets import CreateScope, DeleteAcl, DeleteScope, DeleteSecret, PutAcl, PutSecret
from .tags import EndpointTag

__all__ = [
    "CREDENTIAL_PAIRS",
    "PROVIDERS",
    "PROVIDER_TASKS",
    "TASKS",
    "WRITE_ONLY_FIELDS",
    "AccessControlRequest",
    "AiGatewayConfig",
    "AiGatewayRateLimit",
    "CreateScope",
    "CreateServingEndpoint",
    "DeleteAcl",
    "DeleteScope",
    "DeleteSecret",
    "EndpointCoreConfigInput",
    "EndpointTag",
    "ExternalModel",
    "PatchTagsRequest",
    "PermissionsRequest",
    "Problem",
    "PutAcl",
    "PutRateLimitsRequest",
    "PutSecret",
    "RateLimit",
    "Route",
    "SecretRef",
    "SecretUse",
    "ServedEntityInput",
    "ServedModelInput",
    "TrafficConfig",
    "check",
    "config_secret_uses",
    "endpoints",
    "external_models",
    "external_transition_problem",
    "format_problems",
    "format_secret_ref",
    "names",
    "parse_secret_ref",
    "secret_ref_syntax",
    "secrets",
    "validate_ai_gateway",
    "validate_endpoint_config",
    "validate_put_acl",
]


def validate_endpoint_config(payload: Any, prefix: str = "") -> list[Problem]:
    """Problems in a ``PUT .../config`` body (pass ``prefix="config"`` for the create form)."""
    return check(EndpointCoreConfigInput, payload, prefix)


def validate_ai_gateway(payload: Any) -> list[Problem]:
    return check(AiGatewayConfig, payload)


def validate_put_acl(payload: Any) -> list[Problem]:
    return check(PutAcl, payload)
