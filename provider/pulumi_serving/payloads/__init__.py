"""Pydantic models of the Databricks serving-endpoint and secrets payloads, and pure validation.

The single source of truth for payload shapes: the local server validates request bodies with these
models and the provider uses the same functions for preview-time checks. No I/O here; checks needing
server state (does a referenced secret exist?) are the caller's, helped by :func:`config_secret_uses`.

``check(Model, payload)`` returns every :class:`Problem` of a payload (empty when valid); the resources use
:func:`validate_endpoint_config`, :func:`validate_ai_gateway` and :func:`validate_put_acl` for their inputs.
Names load on first use (``lazy_exports``): a module that needs ``payloads.names`` does not build every model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy_exports import lazy_exports

if TYPE_CHECKING:
    from . import endpoints, external_models, names, secret_ref_syntax, secrets
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
    from .problems import Problem, check, format_problems, parse
    from .secret_ref_syntax import SecretRef, format_secret_ref, parse_secret_ref
    from .secret_uses import SecretUse, config_secret_uses
    from .secrets import CreateScope, DeleteAcl, DeleteScope, DeleteSecret, PutAcl, PutSecret
    from .tags import EndpointTag
    from .validation import validate_ai_gateway, validate_endpoint_config, validate_put_acl

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
    "parse",
    "parse_secret_ref",
    "secret_ref_syntax",
    "secrets",
    "validate_ai_gateway",
    "validate_endpoint_config",
    "validate_put_acl",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "endpoints": (
            "endpoints",
            "AccessControlRequest",
            "AiGatewayConfig",
            "AiGatewayRateLimit",
            "CreateServingEndpoint",
            "EndpointCoreConfigInput",
            "PatchTagsRequest",
            "PermissionsRequest",
            "PutRateLimitsRequest",
            "RateLimit",
            "Route",
            "ServedEntityInput",
            "ServedModelInput",
            "TrafficConfig",
            "external_transition_problem",
        ),
        "external_models": (
            "external_models",
            "CREDENTIAL_PAIRS",
            "PROVIDERS",
            "PROVIDER_TASKS",
            "TASKS",
            "WRITE_ONLY_FIELDS",
            "ExternalModel",
        ),
        "names": ("names",),
        "secret_uses": ("SecretUse", "config_secret_uses"),
        "problems": ("Problem", "check", "format_problems", "parse"),
        "secret_ref_syntax": ("secret_ref_syntax", "SecretRef", "format_secret_ref", "parse_secret_ref"),
        "secrets": ("secrets", "CreateScope", "DeleteAcl", "DeleteScope", "DeleteSecret", "PutAcl", "PutSecret"),
        "tags": ("EndpointTag",),
        "validation": ("validate_ai_gateway", "validate_endpoint_config", "validate_put_acl"),
    },
)
