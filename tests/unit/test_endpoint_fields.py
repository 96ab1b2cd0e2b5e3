"""One tuple of a ServingEndpoint's fields (payloads/endpoint_fields.py): the resource, the stack-file
declaration, the planner's table, the comparable view and the create request all cover exactly it."""

from __future__ import annotations

import inspect

from pulumi_serving.payloads.declarations.models import EndpointDeclaration
from pulumi_serving.payloads.endpoint_fields import (
    ENDPOINT_FIELDS,
    FLAG_FIELDS,
    OBJECT_FIELDS,
    SETTINGS_FIELDS,
    TEXT_FIELDS,
)
from pulumi_serving.plan import comparable_endpoint
from pulumi_serving.plan.endpoint import create_body
from pulumi_serving.plan.fields import RULES
from pulumi_serving.plan.parsed_endpoint import ParsedEndpoint
from pulumi_serving.resources import ServingEndpoint
from pulumi_serving.resources.serving_endpoint import OPTIONS, ServingEndpointProvider

EVERY_FIELD_SET = {
    "endpoint_name": "ep",
    "config": {"served_entities": [{"name": "a", "entity_name": "m", "entity_version": "1"}]},
    "tags": [{"key": "team", "value": "ml"}],
    "ai_gateway": {"usage_tracking_config": {"enabled": True}},
    "route_optimized": True,
    "description": "d",
    "email_notifications": {"on_update_failure": ["a@x"]},
    "budget_policy_id": "b",
    "usage_policy_id": "u",
    "telemetry_config": {"enabled": True},
}


def test_the_groups_partition_the_settings() -> None:
    assert sorted(TEXT_FIELDS + FLAG_FIELDS + OBJECT_FIELDS + ("tags",)) == sorted(SETTINGS_FIELDS)
    assert ("endpoint_name", "config", *SETTINGS_FIELDS) == ENDPOINT_FIELDS
    assert set(EVERY_FIELD_SET) == set(ENDPOINT_FIELDS)


def test_the_resource_takes_every_field() -> None:
    assert set(ServingEndpointProvider.inputs) == set(ENDPOINT_FIELDS) | set(OPTIONS)
    assert set(ENDPOINT_FIELDS) <= set(inspect.signature(ServingEndpoint.__init__).parameters)


def test_the_stack_file_declares_every_field() -> None:
    declared = {"endpoint_name" if name == "name" else name for name in EndpointDeclaration.model_fields}
    assert set(ENDPOINT_FIELDS) <= declared


def test_the_planners_table_has_a_row_for_every_field() -> None:
    rows = [r.field for r in RULES if r.resource == "ServingEndpoint"]
    for name in ENDPOINT_FIELDS:
        assert any(row == name or row.startswith((f"{name}.", f"{name}[")) for row in rows), name


def test_the_view_and_the_create_request_hold_every_field() -> None:
    view, _ = comparable_endpoint.declared(EVERY_FIELD_SET)
    assert tuple(view) == ENDPOINT_FIELDS
    body = create_body(ParsedEndpoint(EVERY_FIELD_SET))
    assert set(body) == {"name", *ENDPOINT_FIELDS} - {"endpoint_name"}
