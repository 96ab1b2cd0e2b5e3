"""Normalization and diff of declarations against last-applied state: pure functions, no I/O."""

from .diff import (diff_acl, diff_endpoint, diff_rate_limits, diff_readiness, diff_scope, diff_secret,
                   endpoint_view, secret_value)
from .fingerprint import fingerprint, matches, new_salt
from .model import Change, Plan, Replace

__all__ = [
    "Change", "Plan", "Replace", "diff_acl", "diff_endpoint", "diff_rate_limits", "diff_readiness", "diff_scope",
    "diff_secret", "endpoint_view", "fingerprint", "matches", "new_salt", "secret_value",
]
