"""The enums of a rate limit, written once: whom a limit counts (its key), its renewal period, and the defaults the
API applies when they are left out (docs/databricks-api.md#rate-limits). The payload models type their fields with
these aliases; the planner, the local server and its gateway read the named values. Pure, no I/O."""

from __future__ import annotations

from typing import Final, Literal

RateLimitKey = Literal["endpoint", "user", "user_group", "service_principal"]
"""An AI gateway rate limit's key: the whole endpoint, each user, a group, or a service principal."""
LegacyRateLimitKey = Literal["user", "endpoint"]
"""The key of a deprecated ``rate_limits`` item."""
RenewalPeriod = Literal["minute"]

ENDPOINT: Final[RateLimitKey] = "endpoint"
USER: Final[RateLimitKey] = "user"
USER_GROUP: Final[RateLimitKey] = "user_group"
SERVICE_PRINCIPAL: Final[RateLimitKey] = "service_principal"
MINUTE: Final[RenewalPeriod] = "minute"

DEFAULT_KEY: Final[RateLimitKey] = ENDPOINT
"""The key of a limit that names none."""
DEFAULT_RENEWAL_PERIOD: Final[RenewalPeriod] = MINUTE
KEYS_NAMING_A_PRINCIPAL: Final = (USER_GROUP, SERVICE_PRINCIPAL)
"""Keys whose limit must name its ``principal`` (an ``endpoint`` limit must not)."""
