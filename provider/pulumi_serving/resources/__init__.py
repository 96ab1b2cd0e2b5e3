"""Pulumi dynamic resources: ``pulumi-python:dynamic/serving:<Name>``, thin adapters over spec, client and plan."""

from .rate_limits import RateLimits, RateLimitsProvider
from .readiness import EndpointsReady, EndpointsReadyProvider, EndpointWaitOutcome, EndpointWaitOutcomeProvider
from .secret import Secret, SecretProvider
from .secret_acl import SecretAcl, SecretAclProvider
from .secret_scope import SecretScope, SecretScopeProvider
from .secret_scope_acls import SecretScopeAcls, SecretScopeAclsProvider
from .serving_endpoint import ServingEndpoint, ServingEndpointProvider

__all__ = [
    "EndpointsReady", "EndpointsReadyProvider", "EndpointWaitOutcome", "EndpointWaitOutcomeProvider", "RateLimits", "RateLimitsProvider", "Secret", "SecretAcl",
    "SecretAclProvider", "SecretProvider", "SecretScope", "SecretScopeAcls",
    "SecretScopeAclsProvider", "SecretScopeProvider", "ServingEndpoint",
    "ServingEndpointProvider",
]
