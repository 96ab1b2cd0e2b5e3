"""The fields a ServingEndpoint declares, written once: one tuple of (field, kind), in the order the comparable
view, the create request and the generated program show them; the groups the checks and the planner treat alike
derive from it. Pure data, no I/O."""

from __future__ import annotations

from typing import Literal

Kind = Literal["name", "config", "tags", "object", "flag", "text"]

FIELD_KINDS: tuple[tuple[str, Kind], ...] = (
    ("endpoint_name", "name"),
    ("config", "config"),
    ("tags", "tags"),
    ("ai_gateway", "object"),
    ("route_optimized", "flag"),
    ("description", "text"),
    ("email_notifications", "object"),
    ("budget_policy_id", "text"),
    ("usage_policy_id", "text"),
    ("telemetry_config", "object"),
)


def fields_of(*kinds: Kind) -> tuple[str, ...]:
    """The fields of ``kinds``, in the tuple's order."""
    return tuple(field for field, kind in FIELD_KINDS if kind in kinds)


ENDPOINT_FIELDS = fields_of("name", "config", "tags", "object", "flag", "text")
"""Every declared field of a ServingEndpoint."""
SETTINGS_FIELDS = fields_of("tags", "object", "flag", "text")
"""The fields besides the endpoint's name and config."""
TEXT_FIELDS = fields_of("text")
"""Strings the API takes as given; no call changes them after the create."""
FLAG_FIELDS = fields_of("flag")
OBJECT_FIELDS = fields_of("object")
"""JSON objects the create request takes as declared (a PUT or PATCH call of their own updates each)."""
