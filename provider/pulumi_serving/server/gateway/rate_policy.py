"""Which rate-limit buckets apply to one caller of one endpoint (pure; docs/databricks-api.md#rate-limits).

- ``endpoint`` limits always apply and are shared by all callers.
- The caller's own limits by precedence: a custom limit naming the caller (``user`` + principal, or
  ``service_principal`` + principal), else the limits of the caller's groups (``user_group``; one bucket per
  group shared by its members, the call passes while any matching group has room), else the default
  ``user`` limits (no principal; one bucket per caller).
- A rule with both ``calls`` and ``tokens`` enforces both; the stricter one refuses first.
- Legacy ``rate_limits`` (key ``user`` or ``endpoint``, ``calls``) join the same table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...payloads.rate_limit_enums import ENDPOINT, SERVICE_PRINCIPAL, USER, USER_GROUP, RateLimitKey
from .limiter import Bucket, Requirement


@dataclass(frozen=True)
class LimitRule:
    key: RateLimitKey
    calls: int | None = None
    tokens: int | None = None
    principal: str | None = None


@dataclass(frozen=True)
class Caller:
    """The authenticated principal: user name or service-principal application id, and its groups."""

    name: str
    groups: frozenset[str] = frozenset()
    service_principal: bool = False


def requirements(
    endpoint: str, rules: Sequence[LimitRule], caller: Caller, endpoint_id: str | None = None
) -> list[Requirement]:
    """Buckets are keyed by ``endpoint_id`` (the name when not given): an endpoint deleted and created again
    under the same name starts with no counts."""
    scope = endpoint_id or endpoint

    def _bucket(_name: str, index: int, rule: LimitRule, owner: str, what: str) -> Bucket:
        return Bucket((scope, index, owner), rule.calls, rule.tokens, f"{what} rate limit of endpoint {endpoint}")

    out: list[Requirement] = []
    indexed = list(enumerate(rules))
    for i, rule in indexed:
        if rule.key == ENDPOINT:
            out.append([[_bucket(endpoint, i, rule, "*", "Endpoint")]])
    own_key = SERVICE_PRINCIPAL if caller.service_principal else USER
    custom = [(i, r) for i, r in indexed if r.key == own_key and r.principal == caller.name]
    if custom:
        out.extend([[_bucket(endpoint, i, r, caller.name, "User defined")]] for i, r in custom)
        return out
    groups = [(i, r) for i, r in indexed if r.key == USER_GROUP and r.principal in caller.groups]
    if groups:
        by_group: dict[str, list[Bucket]] = {}
        for i, rule in groups:
            by_group.setdefault(str(rule.principal), []).append(_bucket(endpoint, i, rule, "group", "Group"))
        out.append(list(by_group.values()))
        return out
    defaults = [(i, r) for i, r in indexed if r.key == USER and r.principal is None]
    out.extend([[_bucket(endpoint, i, r, caller.name, "User defined")]] for i, r in defaults)
    return out
