"""Endpoint payloads: config consistency, traffic, gateway limits, permissions, secret uses."""

from pulumi_serving.payloads import (
    CreateServingEndpoint,
    EndpointCoreConfigInput,
    PatchTagsRequest,
    PermissionsRequest,
    PutRateLimitsRequest,
    check,
    config_secret_uses,
    external_transition_problem,
    validate_ai_gateway,
    validate_endpoint_config,
)

REF = "{{secrets/my_openai_secret_scope/openai_api_key}}"


def ext(name="e", task="llm/v1/completions", model="gpt-3.5-turbo-instruct"):
    return {
        "name": name,
        "external_model": {"name": model, "provider": "openai", "task": task, "openai_config": {"openai_api_key": REF}},
    }


def msgs(problems):
    return [str(p) for p in problems]


def test_seed_create_body_is_valid():
    assert (
        check(
            CreateServingEndpoint,
            {
                "name": "openai-completions-endpoint",
                "config": {"served_entities": [ext()]},
                "tags": [{"key": "team", "value": "ml"}],
            },
        )
        == []
    )


def test_create_name_and_unknown_top_level_field():
    got = msgs(check(CreateServingEndpoint, {"name": "a/../b", "confg": {}}))
    assert "name: endpoint name 'a/../b' may contain only letters, digits, '-' and '_'" in got
    assert "confg: unknown field" in got


def test_wrong_types_are_rejected_without_coercion():
    got = msgs(check(CreateServingEndpoint, {"name": 5, "route_optimized": "yes"}))
    assert "name: input should be a valid string (got int)" in got
    assert "route_optimized: input should be a valid boolean (got str)" in got


def test_routes_must_name_entities_and_sum_to_100():
    two = {"served_entities": [ext("a"), ext("b")]}
    assert "routes is required when there is more than one" in msgs(validate_endpoint_config(two))[0]
    two["traffic_config"] = {
        "routes": [
            {"served_entity_name": "a", "traffic_percentage": 60},
            {"served_entity_name": "b", "traffic_percentage": 30},
        ]
    }
    assert "must sum to 100 (got 90)" in msgs(validate_endpoint_config(two))[0]
    two["traffic_config"]["routes"][1] = {"served_entity_name": "c", "traffic_percentage": 40}
    assert "routes[1]: 'c' is not a served entity" in msgs(validate_endpoint_config(two))[0]
    two["traffic_config"]["routes"][1] = {"served_entity_name": "b", "traffic_percentage": 140}
    assert msgs(validate_endpoint_config(two))[0].startswith("traffic_config.routes[1].traffic_percentage:")


def test_entity_rules():
    dup = {"served_entities": [ext("a"), ext("a")]}
    assert "duplicate served entity name 'a'" in msgs(validate_endpoint_config(dup))[0]
    too_many = {"served_entities": [ext(f"e{i}") for i in range(16)]}
    assert "at most 15 served entities" in msgs(validate_endpoint_config(too_many))[0]
    mixed = {
        "served_entities": [ext("a", "llm/v1/chat"), ext("b")],
        "traffic_config": {
            "routes": [
                {"served_entity_name": "a", "traffic_percentage": 50},
                {"served_entity_name": "b", "traffic_percentage": 50},
            ]
        },
    }
    assert "share one task" in msgs(validate_endpoint_config(mixed))[0]
    both = {"served_entities": [{**ext(), "entity_name": "m", "workload_size": "Small"}]}
    assert (
        "external_model and entity_name, workload_size are mutually exclusive"
        in msgs(validate_endpoint_config(both))[0]
    )
    assert "at least one served entity" in msgs(validate_endpoint_config({"served_entities": []}))[0]
    assert (
        "mutually exclusive"
        in msgs(
            validate_endpoint_config(
                {
                    "served_entities": [ext()],
                    "served_models": [{"model_name": "m", "model_version": "1", "scale_to_zero_enabled": True}],
                }
            )
        )[0]
    )
    bad_env = {
        "served_entities": [
            {"entity_name": "m", "entity_version": "1", "environment_vars": {"K": "{{secrets/only-scope}}"}}
        ]
    }
    assert "environment_vars.K" in msgs(validate_endpoint_config(bad_env))[0]


def test_served_models_are_the_legacy_form():
    config = EndpointCoreConfigInput.model_validate(
        {
            "served_models": [
                {
                    "model_name": "cat.sch.m",
                    "model_version": "2",
                    "scale_to_zero_enabled": True,
                    "environment_vars": {"KEY": REF},
                }
            ]
        }
    )
    (entity,) = config.entities()
    assert (entity.name, entity.entity_name, entity.entity_version) == ("cat-sch-m-2", "cat.sch.m", "2")
    assert [u.path for u in config_secret_uses(config)] == ["served_models[0].environment_vars.KEY"]


def test_secret_uses_and_default_names():
    config = EndpointCoreConfigInput.model_validate(
        {
            "served_entities": [
                {
                    "external_model": {
                        "name": "claude-2",
                        "provider": "anthropic",
                        "task": "llm/v1/chat",
                        "anthropic_config": {"anthropic_api_key": "{{secrets/a/k}}"},
                    }
                }
            ]
        }
    )
    assert config.entities()[0].effective_name() == "claude-2"
    (use,) = config_secret_uses(config, "config")
    assert use.path == "config.served_entities[0].external_model.anthropic_config.anthropic_api_key"
    assert (use.ref.scope, use.ref.key) == ("a", "k")


def test_config_transition():
    assert external_transition_problem(True, True) is None and external_transition_problem(False, False) is None
    assert "cannot drop" in external_transition_problem(True, False)
    assert "cannot add" in external_transition_problem(False, True)


def test_ai_gateway_rate_limit_rules():
    assert validate_ai_gateway({"rate_limits": [{"calls": 20, "key": "user", "renewal_period": "minute"}]}) == []
    got = msgs(
        validate_ai_gateway(
            {
                "rate_limits": [
                    {"renewal_period": "minute", "key": "user_group", "calls": 1},
                    {"renewal_period": "minute", "key": "endpoint", "principal": "x", "tokens": 5},
                    {"renewal_period": "minute"},
                    {"renewal_period": "minute", "calls": 1, "key": "team"},
                ]
            }
        )
    )
    assert "rate_limits[0]: principal is required when key is user_group" in got
    assert "rate_limits[1]: principal is not allowed when key is endpoint" in got
    assert "rate_limits[2]: one of calls or tokens is required" in got
    assert any(m.startswith("rate_limits[3].key: unknown value 'team'") for m in got)
    groups = [{"renewal_period": "minute", "calls": 1, "key": "user_group", "principal": f"g{i}"} for i in range(6)]
    assert "at most 5 user_group" in msgs(validate_ai_gateway({"rate_limits": groups}))[0]
    assert (
        "catalog_name and schema_name are required"
        in msgs(validate_ai_gateway({"inference_table_config": {"enabled": True}}))[0]
    )
    assert (
        "guardrails.input.pii.behavior"
        in msgs(validate_ai_gateway({"guardrails": {"input": {"pii": {"behavior": "REDACT"}}}}))[0]
    )


def test_legacy_rate_limits_tags_permissions():
    assert (
        check(PutRateLimitsRequest, {"rate_limits": [{"calls": 20, "key": "user", "renewal_period": "minute"}]}) == []
    )
    assert "rate_limits[0].calls: field is required" in msgs(
        check(PutRateLimitsRequest, {"rate_limits": [{"renewal_period": "minute"}]})
    )
    assert "add_tags[0].key: field is required" in msgs(check(PatchTagsRequest, {"add_tags": [{"value": "v"}]}))
    got = msgs(
        check(
            PermissionsRequest,
            {
                "access_control_list": [
                    {"user_name": "a", "group_name": "b", "permission_level": "CAN_QUERY"},
                    {"user_name": "a", "permission_level": "CAN_RUN"},
                ]
            },
        )
    )
    assert (
        "access_control_list[0]: exactly one of user_name, group_name or service_principal_name is required "
        "(got user_name, group_name)" in got
    )
    assert any(m.startswith("access_control_list[1].permission_level: unknown value 'CAN_RUN'") for m in got)
