"""FaultPlan / FaultRule: matching, counting down, errors in the Databricks shape (no HTTP)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pulumi_serving.server.faults import FAULTS_PATH, FaultPlan, FaultRule


def test_rule_defaults_and_method_case() -> None:
    rule = FaultRule(status=429, method="put")
    assert (rule.count, rule.retry_after, rule.method, rule.path_prefix) == (1, None, "PUT", "/api/2.0/")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"status": 404}, "status"),
        ({"status": 429, "count": 0}, "count"),
        ({"status": 429, "retry_after": -1}, "retry_after"),
        ({"status": 429, "method": "FETCH"}, "method"),
        ({"status": 429, "path_prefix": "api/2.0"}, "path_prefix"),
        ({"status": 429, "path_prefix": FAULTS_PATH}, "path_prefix"),
        ({"status": 429, "colour": "red"}, "colour"),
    ],
)
def test_bad_rules_name_the_field(body: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        FaultRule.model_validate(body)
    assert [e["loc"][0] for e in caught.value.errors()] == [field]


def test_take_counts_down_then_stops_matching() -> None:
    plan = FaultPlan()
    plan.arm(FaultRule(status=503, count=2, method="PUT", path_prefix="/api/2.0/serving-endpoints"))
    assert plan.take("GET", "/api/2.0/serving-endpoints/a") is None
    assert plan.take("PUT", "/api/2.0/secrets/put") is None
    first = plan.take("PUT", "/api/2.0/serving-endpoints/a/config")
    assert first is not None and (first.status, first.error_code, first.retry_after) == (
        503,
        "TEMPORARILY_UNAVAILABLE",
        1,
    )
    assert plan.list()[0]["remaining"] == 1
    assert plan.take("PUT", "/api/2.0/serving-endpoints/a/config") is not None
    assert plan.take("PUT", "/api/2.0/serving-endpoints/a/config") is None
    assert plan.list() == []


def test_rules_apply_in_arming_order_and_clear() -> None:
    plan = FaultPlan()
    plan.arm(FaultRule(status=500))
    plan.arm(FaultRule(status=502))
    assert [plan.take("POST", "/api/2.0/x").status for _ in range(2)] == [500, 502]  # type: ignore[union-attr]
    plan.arm(FaultRule(status=429, count=5))
    assert plan.clear() == 1 and plan.take("POST", "/api/2.0/x") is None


def test_control_path_is_never_faulted() -> None:
    plan = FaultPlan()
    plan.arm(FaultRule(status=500, path_prefix="/"))
    assert plan.take("GET", FAULTS_PATH) is None


def test_error_bodies() -> None:
    conflict = FaultRule(status=409).error("/api/2.0/serving-endpoints/story/config")
    assert (conflict.status, conflict.error_code, conflict.headers()) == (409, "RESOURCE_CONFLICT", {})
    assert "Endpoint story is currently updating" in conflict.message
    limited = FaultRule(status=429, retry_after=3).error("/api/2.0/secrets/put")
    assert (limited.status, limited.error_code, limited.headers()) == (
        429,
        "REQUEST_LIMIT_EXCEEDED",
        {"Retry-After": "3"},
    )
    assert FaultRule(status=500).error("/").headers() == {}
    assert FaultRule(status=502).error("/").error_code == "BAD_GATEWAY"


def test_requested_retry_after_is_sent_as_is() -> None:
    assert FaultRule(status=429, retry_after=0).error("/").headers() == {"Retry-After": "0"}
    assert FaultRule(status=409, retry_after=2).error("/").headers() == {"Retry-After": "2"}
