"""Pulumi dynamic resources: ``pulumi-python:dynamic/serving:<Name>``, thin adapters over spec, client and plan.

Each resource's module loads on first use (``lazy_exports``): the provider process imports only the modules of the
providers it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy_exports import lazy_exports

if TYPE_CHECKING:
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

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "endpoint_permissions": ("EndpointPermissions", "EndpointPermissionsProvider"),
        "rate_limits": ("RateLimits", "RateLimitsProvider"),
        "readiness": ("EndpointsReady", "EndpointsReadyProvider"),
        "secret": ("Secret", "SecretProvider"),
        "secret_acl": ("SecretAcl", "SecretAclProvider"),
        "secret_scope": ("SecretScope", "SecretScopeProvider"),
        "secret_scope_acls": ("SecretScopeAcls", "SecretScopeAclsProvider"),
        "serving_endpoint": ("ServingEndpoint", "ServingEndpointProvider"),
    },
)
