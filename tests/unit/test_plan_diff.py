"""Diffs: every change names the API call that applies it; identity changes are replaces with reasons."""

from __future__ import annotations

import copy

from pulumi_serving.plan import (diff_acl, diff_endpoint, diff_rate_limits, diff_scope, diff_secret, endpoint_view,
                                 fingerprint, matches, new_salt)
from pulumi_serving.plan import normalize
from pulumi_serving.plan.diff import CALL_AI_GATEWAY, CALL_CONFIG, CALL_PUT_SECRET, CALL_TAGS

REF = "{{secrets/my_openai_secret_scope/openai_api_key}}"


def _inputs(**overrides) -> dict:
    props = {
        "endpoint_name": "openai-completions-endpoint",
        "config": {"served_entities": [{"name": "openai-completions", "external_model": {
            "name": "gpt-3.5-turbo-instruct", "provider": "openai", "task": "llm/v1/completions",
            "openai_config": {"openai_api_key": REF}}}]},
        "tags": [{"key": "team", "value": "ml"}],
    }
    props.update(overrides)
    return props


def _outputs_for(props: dict, salt: str = "00" * 16) -> dict:
    """The outputs a successful apply stores for ``props``."""
    view, secrets = endpoint_view(props)
    return {"endpoint_name": props["endpoint_name"], "config": view, "tags": normalize.tags(props.get("tags")),
            "route_optimized": bool(props.get("route_optimized")),
            "ai_gateway": normalize.ai_gateway(props.get("ai_gateway")),
            "write_only": {p: fingerprint(v, salt) for p, v in secrets.items()}, "fingerprint_salt": salt}


def test_unchanged_endpoint_has_no_changes() -> None:
    props = _inputs()
    assert not diff_endpoint(_outputs_for(props), props).has_changes


def test_model_change_is_an_in_place_config_update() -> None:
    props = _inputs()
    new = copy.deepcopy(props)
    new["config"]["served_entities"][0]["external_model"]["name"] = "gpt-4"
    plan = diff_endpoint(_outputs_for(props), new)
    assert plan.replaces == []
    assert [(c.path, c.call) for c in plan.changes] == [
        ("config.served_entities[openai-completions].external_model.name", CALL_CONFIG)]


def test_key_reference_change_is_a_config_update() -> None:
    props = _inputs()
    new = copy.deepcopy(props)
    new["config"]["served_entities"][0]["external_model"]["openai_config"]["openai_api_key"] = \
        "{{secrets/other/key}}"
    assert diff_endpoint(_outputs_for(props), new).calls == [CALL_CONFIG]


def test_rename_is_a_replace_with_reason() -> None:
    props = _inputs()
    plan = diff_endpoint(_outputs_for(props), _inputs(endpoint_name="renamed"))
    assert plan.replace_properties == ["endpoint_name"]
    assert "immutable" in plan.replaces[0].reason
    assert plan.changes == []


def test_route_optimized_and_external_switch_replace() -> None:
    props = _inputs()
    assert diff_endpoint(_outputs_for(props), _inputs(route_optimized=True)).replace_properties == ["route_optimized"]
    custom = _inputs(config={"served_entities": [{"name": "m", "entity_name": "cat.sch.m", "entity_version": "1"}]})
    assert diff_endpoint(_outputs_for(props), custom).replace_properties == ["config"]


def test_tags_and_gateway_go_to_their_own_calls() -> None:
    props = _inputs()
    plan = diff_endpoint(_outputs_for(props), _inputs(tags={"team": "ai"},
                                                      ai_gateway={"usage_tracking_config": {"enabled": True}}))
    assert set(plan.calls) == {CALL_TAGS, CALL_AI_GATEWAY}


def test_plaintext_key_compared_by_fingerprint_only() -> None:
    props = _inputs()
    props["config"]["served_entities"][0]["external_model"]["openai_config"] = {"openai_api_key_plaintext": "sk-1"}
    olds = _outputs_for(props)
    assert "sk-1" not in repr(olds)
    assert not diff_endpoint(olds, props).has_changes
    rotated = copy.deepcopy(props)
    rotated["config"]["served_entities"][0]["external_model"]["openai_config"]["openai_api_key_plaintext"] = "sk-2"
    plan = diff_endpoint(olds, rotated)
    assert [c.call for c in plan.changes] == [CALL_CONFIG]
    assert plan.changes[0].path.endswith("openai_api_key_plaintext")
    assert all("sk-" not in line for line in plan.describe())


def test_fingerprint_is_salted() -> None:
    a, b = new_salt(), new_salt()
    assert a != b and fingerprint("v", a) != fingerprint("v", b)
    assert matches("v", a, fingerprint("v", a)) and not matches("w", a, fingerprint("v", a))


def test_secret_value_change_is_an_in_place_put() -> None:
    salt = new_salt()
    olds = {"scope": "s", "key": "k", "value_kind": "string", "value_fingerprint": fingerprint("old", salt),
            "fingerprint_salt": salt}
    assert not diff_secret(olds, {"scope": "s", "key": "k", "string_value": "old"}).has_changes
    plan = diff_secret(olds, {"scope": "s", "key": "k", "string_value": "new"})
    assert plan.replaces == [] and plan.calls == [CALL_PUT_SECRET]
    assert diff_secret(olds, {"scope": "s", "key": "k2", "string_value": "old"}).replace_properties == ["key"]
    drifted = {**olds, "value_fingerprint": "drifted"}
    assert diff_secret(drifted, {"scope": "s", "key": "k", "string_value": "old"}).calls == [CALL_PUT_SECRET]


def test_scope_acl_and_rate_limit_plans() -> None:
    assert diff_scope({"scope": "a"}, {"scope": "b"}).replace_properties == ["scope"]
    assert diff_scope({"scope": "a"}, {"scope": "a", "initial_manage_principal": "users"}).calls == [
        "POST /api/2.0/secrets/acls/put"]
    assert diff_acl({"scope": "s", "principal": "p", "permission": "READ"},
                    {"scope": "s", "principal": "p", "permission": "WRITE"}).calls == ["POST /api/2.0/secrets/acls/put"]
    olds = {"endpoint": "e", "rate_limits": normalize.rate_limits([{"calls": 20, "key": "user",
                                                                   "renewal_period": "minute"}])}
    assert not diff_rate_limits(olds, {"endpoint": "e", "rate_limits": [
        {"calls": 20, "key": "user", "renewal_period": "minute"}]}).has_changes
    plan = diff_rate_limits(olds, {"endpoint": "e", "rate_limits": [
        {"calls": 0, "key": "user", "renewal_period": "minute"}]})
    assert plan.calls == [CALL_AI_GATEWAY] and plan.replaces == []
