"""The planner's table covers every field of the serving API's create and update requests; docs show it."""

from __future__ import annotations

from pathlib import Path

from pulumi_serving.plan.fields import RULES, covered_api_fields, rule_for
from pulumi_serving.plan.fields_doc import render
from pulumi_serving.spec import endpoints

DOC = Path(__file__).resolve().parents[2] / "docs" / "planner.md"
REQUEST_MODELS = (
    endpoints.CreateServingEndpoint,
    endpoints.EndpointCoreConfigInput,
    endpoints.AiGatewayConfig,
    endpoints.PatchTagsRequest,
    endpoints.PatchNotificationsRequest,
    endpoints.PatchTelemetryRequest,
    endpoints.PermissionsRequest,
    endpoints.PutRateLimitsRequest,
)


def test_every_request_field_has_a_row() -> None:
    fields = {f"{model.__name__}.{name}" for model in REQUEST_MODELS for name in model.model_fields}
    assert fields - covered_api_fields() == set()
    assert covered_api_fields() - fields == set()  # rows name real request fields only


def test_every_row_has_exactly_one_handling_and_is_found_by_its_field() -> None:
    for rule in RULES:
        assert sum(x is not None for x in (rule.call, rule.replace, rule.reject)) == 1, rule
        assert rule_for(rule.resource, rule.field) is rule


def test_docs_show_the_table() -> None:
    assert DOC.read_text() == render(), (
        "docs/planner.md is stale: run .venv/bin/python -m pulumi_serving.plan.fields_doc"
    )
