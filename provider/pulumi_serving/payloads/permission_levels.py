"""Serving-endpoint permission levels and their order (docs/databricks-api.md), without the payload models."""

from __future__ import annotations

from typing import Literal

PermissionLevel = Literal["CAN_MANAGE", "CAN_QUERY", "CAN_VIEW"]
#: Each level grants the ones below it.
PERMISSION_ORDER: dict[str, int] = {"CAN_VIEW": 1, "CAN_QUERY": 2, "CAN_MANAGE": 3}
