"""Normalization table: declared inputs and live API bodies must meet in one comparable form."""

from __future__ import annotations

from pulumi_serving.plan import normalize
from pulumi_serving.plan.compare import changed_paths
from tests.support.payloads import OPENAI_REF, entity


def _declared() -> dict:
    return {
        "served_entities": [
            {
                "external_model": {
                    "name": "gpt-3.5-turbo-instruct",
                    "provider": "openai",
                    "task": "llm/v1/completions",
                    "openai_config": {"openai_api_key": OPENAI_REF},
                }
            }
        ]
    }


def _live() -> dict:
    """What GET returns for the declaration above: names and route filled in, server-only fields added."""
    return {
        "config_version": 1,
        "served_entities": [
            {
                "name": "gpt-3-5-turbo-instruct",
                "creator": "admin",
                "creation_timestamp": 1700000000000,
                "state": {"deployment": "DEPLOYMENT_READY"},
                "external_model": {
                    "name": "gpt-3.5-turbo-instruct",
                    "provider": "openai",
                    "task": "llm/v1/completions",
                    "openai_config": {"openai_api_key": OPENAI_REF, "openai_api_type": "openai"},
                },
            }
        ],
        "served_models": [{"name": "gpt-3-5-turbo-instruct", "model_name": "x", "model_version": "1"}],
        "traffic_config": {
            "routes": [
                {
                    "served_entity_name": "gpt-3-5-turbo-instruct",
                    "served_model_name": "gpt-3-5-turbo-instruct",
                    "traffic_percentage": 100,
                }
            ]
        },
    }


def test_declared_and_live_views_are_equal() -> None:
    assert normalize.endpoint_config(_declared()) == normalize.endpoint_config(_live())


def test_auto_filled_route_only_for_a_single_entity() -> None:
    view = normalize.endpoint_config(_declared())
    assert view["routes"] == [{"name": "gpt-3-5-turbo-instruct", "traffic_percentage": 100}]
    two = {
        "served_entities": [
            {"name": "a", "entity_name": "m", "entity_version": "1"},
            {"name": "b", "entity_name": "m", "entity_version": "2"},
        ]
    }
    assert normalize.endpoint_config(two)["routes"] == []


def test_entity_and_route_order_is_irrelevant() -> None:
    a = {
        "served_entities": [
            {"name": "a", "entity_name": "m", "entity_version": "1"},
            {"name": "b", "entity_name": "m", "entity_version": "2"},
        ],
        "traffic_config": {
            "routes": [
                {"served_entity_name": "a", "traffic_percentage": 30},
                {"served_entity_name": "b", "traffic_percentage": 70},
            ]
        },
    }
    b = {
        "served_entities": list(reversed(a["served_entities"])),
        "traffic_config": {"routes": list(reversed(a["traffic_config"]["routes"]))},
    }
    assert normalize.endpoint_config(a) == normalize.endpoint_config(b)


def test_legacy_served_models_fold_into_entities() -> None:
    legacy = {
        "served_models": [
            {
                "name": "m-1",
                "model_name": "m",
                "model_version": "1",
                "scale_to_zero_enabled": False,
                "workload_size": "Small",
            }
        ]
    }
    modern = {
        "served_entities": [
            {"name": "m-1", "entity_name": "m", "entity_version": "1", "workload_size": "Small", "workload_type": "CPU"}
        ]
    }
    assert normalize.endpoint_config(legacy) == normalize.endpoint_config(modern)


def test_plaintext_keys_are_split_out_with_entity_named_paths() -> None:
    config = _declared()
    config["served_entities"][0]["external_model"]["openai_config"] = {"openai_api_key_plaintext": "sk-live-1"}
    view, secrets = normalize.endpoint_config_and_secrets(config)
    assert "sk-live-1" not in repr(view)
    assert secrets == {
        "served_entities[gpt-3-5-turbo-instruct].external_model.openai_config.openai_api_key_plaintext": "sk-live-1"
    }


def test_case_and_defaults_of_provider_fields() -> None:
    def config(api_type: str) -> dict:
        az = entity("az", "openai", "gpt", "llm/v1/chat", openai_api_type=api_type, openai_api_key=OPENAI_REF)
        return {"served_entities": [az]}

    declared, live = config("AZURE"), config("azure")
    assert normalize.endpoint_config(declared) == normalize.endpoint_config(live)


def test_not_echoed_fields_are_kept_from_last_applied_state() -> None:
    declared = normalize.endpoint_config(
        {"served_entities": [{"name": "a", "entity_name": "m", "entity_version": "1", "burst_scaling_enabled": True}]}
    )
    live = normalize.endpoint_config({"served_entities": [{"name": "a", "entity_name": "m", "entity_version": "1"}]})
    assert changed_paths(live, declared) == ["served_entities[a].burst_scaling_enabled"]
    assert normalize.with_not_echoed(live, normalize.not_echoed(declared)) == declared


def test_tags_accept_mapping_or_list_and_sort() -> None:
    assert normalize.tags({"team": "ml", "env": "dev"}) == normalize.tags(
        [{"key": "env", "value": "dev"}, {"key": "team", "value": "ml"}]
    )
    assert normalize.tags([{"key": "solo", "value": ""}]) == [{"key": "solo"}]


def test_ai_gateway_ignores_rate_limits_and_disabled_sections() -> None:
    live = {
        "rate_limits": [{"calls": 20, "key": "user", "renewal_period": "minute"}],
        "usage_tracking_config": {"enabled": False},
        "guardrails": {"input": {"safety": False, "pii": {"behavior": "NONE"}, "invalid_keywords": []}},
    }
    assert normalize.ai_gateway(live) == {}
    assert normalize.ai_gateway({"usage_tracking_config": {"enabled": True}}) == {
        "usage_tracking_config": {"enabled": True}
    }


def test_rate_limit_zero_is_kept_and_defaults_filled() -> None:
    assert normalize.rate_limits([{"calls": 0, "renewal_period": "minute"}]) == [
        {"key": "endpoint", "renewal_period": "minute", "calls": 0}
    ]
    a = [{"calls": 20, "key": "user", "renewal_period": "minute"}, {"calls": 100, "renewal_period": "minute"}]
    assert normalize.rate_limits(a) == normalize.rate_limits(list(reversed(a)))


def test_changed_tags_are_named_by_key_and_duplicate_keys_fall_back_to_positions() -> None:
    old = {"tags": [{"key": "env", "value": "dev"}, {"key": "team", "value": "ml"}]}
    new = {"tags": [{"key": "env", "value": "dev"}, {"key": "owner", "value": "bob"}, {"key": "team", "value": "ai"}]}
    assert changed_paths(old, new) == ["tags[owner]", "tags[team].value"]
    limits = [{"key": "user", "calls": 1}, {"key": "user", "calls": 2}]
    assert changed_paths({"l": limits}, {"l": [limits[0], {"key": "user", "calls": 3}]}) == ["l[1].calls"]
