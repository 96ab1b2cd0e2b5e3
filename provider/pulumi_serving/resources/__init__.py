"""Pulumi dynamic resources: ``pulumi-python:dynamic/serving:<Name>``, thin adapters over spec, client and plan."""

from .endpoint_permissions import EndpointPermissions, EndpointPermissionsProvider
from .rate_limits import RateLimits, RateLimitsProvider
from .readiness import EndpointsReady, EndpointsReadyProvider
from .secret import Secret, SecretProvider
from .secret_acl import SecretAcl, SecretAclProvider
from .secret_scope import SecretScope, SecretScopeProvider
from .secret_scope_acls import SecretScopeAcls, SecretScopeAclsProvider
from .serving_endpoint import ServingEndpoint, ServingEndpointProvider

__all__ = [
    "EndpointPermissions",
    "EndpointPermissionsProvider",
    "EndpointsReady",
    "EndpointsReadyProvider",
    "RateLimits",
    "RateLimitsProvider",
    "Secret",
    "SecretAcl",
    "SecretAclProvider",
    "SecretProvider",
    "SecretScope",
    "SecretScopeAcls",
    "SecretScopeAclsProvider",
    "SecretScopeProvider",
    "ServingEndpoint",
    "ServingEndpointProvider",
]
