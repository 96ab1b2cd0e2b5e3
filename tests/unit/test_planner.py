"""The planner: every change is an ordered list of named calls, a replace with its reason, or a rejection."""

from __future__ import annotations

import copy

import pytest

from pulumi_serving.payloads import api_paths
from pulumi_serving.plan import (
    comparable_endpoint,
    fingerprint,
    matches,
    new_salt,
    normalize,
    plan_acl,
    plan_endpoint,
    plan_rate_limits,
    plan_scope,
    plan_secret,
)
from pulumi_serving.plan.endpoint import create_body, plan_create
from pulumi_serving.plan.parsed_endpoint import ParsedEndpoint
from tests.support.payloads import openai_entity


def _inputs(**overrides) -> dict:
    props = {
        "endpoint_name": "openai-completions-endpoint",
        "config": {"served_entities": [openai_entity()]},
        "tags": [{"key": "team", "value": "ml"}],
    }
    props.update(overrides)
    return props


def _outputs_for(props: dict, salt: str = "00" * 16) -> dict:
    """The outputs a successful apply stores for ``props``."""
    view, secrets = comparable_endpoint.declared(props)
    return {**view, "write_only": {p: fingerprint(v, salt) for p, v in secrets.items()}, "fingerprint_salt": salt}


def _apis(plan) -> list[str]:
    return [str(c.api) for c in plan.calls]


def test_unchanged_endpoint_plans_nothing() -> None:
    props = _inputs()
    plan = plan_endpoint(_outputs_for(props), ParsedEndpoint(props))
    assert not plan.has_changes and plan.calls == [] and plan.describe() == []


def test_outputs_of_older_states_with_empty_values_plan_nothing() -> None:
    props = _inputs()
    olds = {**_outputs_for(props), "ai_gateway": {}, "route_optimized": False, "description": ""}
    assert not plan_endpoint(olds, ParsedEndpoint(props)).has_changes


def test_model_change_is_one_config_update_which_answers_with_the_endpoint() -> None:
    new = _inputs()
    new["config"]["served_entities"][0]["external_model"]["name"] = "gpt-4"
    plan = plan_endpoint(_outputs_for(_inputs()), ParsedEndpoint(new))
    assert plan.replaces == [] and _apis(plan) == [str(api_paths.PUT_CONFIG)]
    assert plan.calls[0].fields == ("config.served_entities[openai-completions].external_model.name",)
    assert plan.calls[0].body == new["config"]


def test_tags_are_patched_with_adds_and_deletes_then_read_back() -> None:
    plan = plan_endpoint(_outputs_for(_inputs()), ParsedEndpoint(_inputs(tags={"env": "prod"})))
    assert _apis(plan) == [str(api_paths.PATCH_TAGS), str(api_paths.GET_ENDPOINT)]
    assert plan.calls[0].body == {"add_tags": [{"key": "env", "value": "prod"}], "delete_tags": ["team"]}


def test_notifications_are_patched() -> None:
    plan = plan_endpoint(
        _outputs_for(_inputs()), ParsedEndpoint(_inputs(email_notifications={"on_update_failure": ["a@x"]}))
    )
    assert _apis(plan) == [str(api_paths.PATCH_NOTIFICATIONS), str(api_paths.GET_ENDPOINT)]
    assert plan.calls[0].body == {"email_notifications": {"on_update_failure": ["a@x"]}}


def test_calls_are_ordered_so_none_meets_a_running_rollout() -> None:
    new = _inputs(
        tags={"env": "prod"},
        ai_gateway={"usage_tracking_config": {"enabled": True}},
        email_notifications={"on_update_success": ["b@x"]},
    )
    new["config"]["served_entities"][0]["external_model"]["name"] = "gpt-4"
    plan = plan_endpoint(_outputs_for(_inputs()), ParsedEndpoint(new))
    assert _apis(plan) == [
        str(c)
        for c in (
            api_paths.PATCH_TAGS,
            api_paths.PATCH_NOTIFICATIONS,
            api_paths.GET_ENDPOINT,
            api_paths.PUT_AI_GATEWAY,
            api_paths.PUT_CONFIG,
        )
    ]


@pytest.mark.parametrize(
    "field, value",
    [("description", "new text"), ("budget_policy_id", "bp-2"), ("usage_policy_id", "up-1"), ("route_optimized", True)],
)
def test_fields_without_an_update_call_are_replaces_with_a_reason(field, value) -> None:
    plan = plan_endpoint(_outputs_for(_inputs()), ParsedEndpoint(_inputs(**{field: value})))
    assert plan.replace_properties == [field] and plan.calls == []
    assert plan.replaces[0].reason and plan.describe() == [f"+- {field}: replace ({plan.replaces[0].reason})"]


def test_a_task_change_is_only_a_replace_never_also_a_config_update() -> None:
    new = _inputs()
    new["config"]["served_entities"][0]["external_model"].update(task="llm/v1/chat", name="gpt-4")
    plan = plan_endpoint(_outputs_for(_inputs()), ParsedEndpoint(new))
    assert plan.replace_properties == ["config"] and "task is fixed" in plan.replaces[0].reason
    assert plan.calls == [] and not any("PUT" in line for line in plan.describe())


def test_rename_and_external_switch_replace() -> None:
    assert plan_endpoint(
        _outputs_for(_inputs()), ParsedEndpoint(_inputs(endpoint_name="renamed"))
    ).replace_properties == ["endpoint_name"]
    custom = _inputs(config={"served_entities": [{"name": "m", "entity_name": "cat.sch.m", "entity_version": "1"}]})
    plan = plan_endpoint(_outputs_for(_inputs()), ParsedEndpoint(custom))
    assert plan.replace_properties == ["config"] and "external models" in plan.replaces[0].reason


def test_rejections_name_the_field_and_reason() -> None:
    plan = plan_endpoint(_outputs_for(_inputs()), ParsedEndpoint(_inputs(ai_gateway={"rate_limits": [{"calls": 1}]})))
    assert [r.path for r in plan.rejections] == ["ai_gateway.rate_limits"] and "RateLimits" in plan.rejections[0].reason
    named = _inputs()
    named["config"]["name"] = "x"
    assert [r.path for r in plan_endpoint(_outputs_for(_inputs()), ParsedEndpoint(named)).rejections] == ["config.name"]
    telemetry = plan_create(ParsedEndpoint(_inputs(telemetry_config={"enabled_telemetry_features": []})))
    assert [r.path for r in telemetry.rejections] == ["telemetry_config"] and telemetry.calls == []


def test_plaintext_key_compared_by_fingerprint_only() -> None:
    props = _inputs()
    props["config"]["served_entities"][0]["external_model"]["openai_config"] = {"openai_api_key_plaintext": "sk-1"}
    olds = _outputs_for(props)
    assert "sk-1" not in repr(olds) and not plan_endpoint(olds, ParsedEndpoint(props)).has_changes
    rotated = copy.deepcopy(props)
    rotated["config"]["served_entities"][0]["external_model"]["openai_config"]["openai_api_key_plaintext"] = "sk-2"
    plan = plan_endpoint(olds, ParsedEndpoint(rotated))
    assert _apis(plan) == [str(api_paths.PUT_CONFIG)] and plan.calls[0].fields[0].endswith("openai_api_key_plaintext")
    assert all("sk-" not in line for line in plan.describe()) and "sk-2" not in repr(plan)


def test_create_sends_every_declared_field_in_one_call() -> None:
    props = _inputs(
        description="d",
        budget_policy_id="bp",
        email_notifications={"on_update_failure": ["a@x"]},
        ai_gateway={"usage_tracking_config": {"enabled": True}},
        route_optimized=False,
    )
    plan = plan_create(ParsedEndpoint(props))
    assert _apis(plan) == [str(api_paths.CREATE_ENDPOINT)]
    body = create_body(ParsedEndpoint(props))
    assert {k for k in body} == {
        "name",
        "config",
        "tags",
        "description",
        "budget_policy_id",
        "email_notifications",
        "ai_gateway",
    }


def test_fingerprint_is_salted() -> None:
    a, b = new_salt(), new_salt()
    assert a != b and fingerprint("v", a) != fingerprint("v", b)
    assert matches("v", a, fingerprint("v", a)) and not matches("w", a, fingerprint("v", a))


def test_secret_value_change_is_an_in_place_put_then_a_list() -> None:
    salt = new_salt()
    olds = {
        "scope": "s",
        "key": "k",
        "value_kind": "string",
        "value_fingerprint": fingerprint("old", salt),
        "fingerprint_salt": salt,
    }
    assert not plan_secret(olds, {"scope": "s", "key": "k", "string_value": "old"}).has_changes
    plan = plan_secret(olds, {"scope": "s", "key": "k", "string_value": "new"})
    assert plan.replaces == [] and _apis(plan) == [str(api_paths.PUT_SECRET), str(api_paths.LIST_SECRETS)]
    assert plan_secret(olds, {"scope": "s", "key": "k2", "string_value": "old"}).replace_properties == ["key"]
    drifted = {**olds, "value_fingerprint": "drifted"}
    assert plan_secret(drifted, {"scope": "s", "key": "k", "string_value": "old"}).has_changes


def test_scope_acl_and_rate_limit_plans() -> None:
    assert plan_scope({"scope": "a"}, {"scope": "b"}).replace_properties == ["scope"]
    assert _apis(plan_scope({"scope": "a"}, {"scope": "a", "initial_manage_principal": "users"})) == [
        "POST /api/2.0/secrets/acls/put"
    ]
    assert _apis(
        plan_acl(
            {"scope": "s", "principal": "p", "permission": "READ"},
            {"scope": "s", "principal": "p", "permission": "WRITE"},
        )
    ) == ["POST /api/2.0/secrets/acls/put"]
    olds = {
        "endpoint": "e",
        "rate_limits": normalize.rate_limits([{"calls": 20, "key": "user", "renewal_period": "minute"}]),
    }
    assert not plan_rate_limits(
        olds, {"endpoint": "e", "rate_limits": [{"calls": 20, "key": "user", "renewal_period": "minute"}]}
    ).has_changes
    plan = plan_rate_limits(
        olds, {"endpoint": "e", "rate_limits": [{"calls": 0, "key": "user", "renewal_period": "minute"}]}
    )
    assert _apis(plan) == [str(api_paths.GET_ENDPOINT), str(api_paths.PUT_AI_GATEWAY)] and plan.replaces == []


def test_taking_over_adds_the_ownership_marker_unless_it_is_there() -> None:
    from pulumi_serving.plan.endpoint import plan_take_over

    props = {**_inputs(), "owner": "proj/stack/ServingEndpoint/ep"}
    live = _outputs_for(_inputs(tags={"team": "other"}))
    plan = plan_take_over(live, ParsedEndpoint(props), marked=False)
    assert (
        _apis(plan) == [str(api_paths.PATCH_TAGS), str(api_paths.GET_ENDPOINT)] and plan.calls[0].fields[-1] == "owner"
    )
    assert {"key": "pulumi-serving-owner", "value": "proj/stack/ServingEndpoint/ep"} in plan.calls[0].body["add_tags"]
    assert {"key": "team", "value": "ml"} in plan.calls[0].body["add_tags"]
    assert plan_take_over(_outputs_for(_inputs()), ParsedEndpoint(props), marked=True).calls == []
    assert create_body(ParsedEndpoint(props))["tags"][-1] == {
        "key": "pulumi-serving-owner",
        "value": "proj/stack/ServingEndpoint/ep",
    }
