"""The planner: normalized declarations against last-applied (or refreshed) state -> named API calls,
replaces with reasons, or rejections. Pure functions, no I/O. Names load on first use (``lazy_exports``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy_exports import lazy_exports

if TYPE_CHECKING:
    from ..payloads.api_paths import Api
    from .endpoint import plan_create, plan_endpoint
    from .fingerprints import fingerprint, matches, new_salt
    from .gateway import plan_rate_limits, plan_readiness
    from .model import Call, Plan, Rejection, Replace
    from .parsed_endpoint import ParsedEndpoint
    from .permissions import plan_permissions
    from .secrets import plan_acl, plan_scope, plan_secret, secret_value

__all__ = [
    "Api",
    "Call",
    "ParsedEndpoint",
    "Plan",
    "Rejection",
    "Replace",
    "fingerprint",
    "matches",
    "new_salt",
    "plan_acl",
    "plan_create",
    "plan_endpoint",
    "plan_permissions",
    "plan_rate_limits",
    "plan_readiness",
    "plan_scope",
    "plan_secret",
    "secret_value",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "model": ("Api", "Call", "Plan", "Rejection", "Replace"),
        "parsed_endpoint": ("ParsedEndpoint",),
        "endpoint": ("plan_create", "plan_endpoint"),
        "fingerprints": ("fingerprint", "matches", "new_salt"),
        "gateway": ("plan_rate_limits", "plan_readiness"),
        "permissions": ("plan_permissions",),
        "secrets": ("plan_acl", "plan_scope", "plan_secret", "secret_value"),
    },
)
