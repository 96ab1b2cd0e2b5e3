"""Serving endpoints over real HTTP: CRUD, state machine, config versions, gateway, tags, permissions."""

from __future__ import annotations

import time

import pytest

from tests.support.payloads import create_body, error, openai_entity, seed_openai_secret

EP = "/api/2.0/serving-endpoints"


@pytest.fixture(scope="module")
def admin(inprocess_live_server):
    with inprocess_live_server.client() as client:
        seed_openai_secret(client)
        yield client


def test_create_get_list_delete_with_trailing_slash_variants(admin):
    created = admin.post(f"{EP}/", json=create_body("crud-ep", tags=[{"key": "team", "value": "ml"}]))
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["name"] == "crud-ep" and len(body["id"]) == 32 and body["creator"] == "admin"
    assert body["task"] == "llm/v1/completions" and body["tags"] == [{"key": "team", "value": "ml"}]
    got = admin.get(f"{EP}/crud-ep").json()
    assert got["state"] == {"ready": "READY", "config_update": "NOT_UPDATING"}  # --update-delay 0
    assert got["config"]["config_version"] == 1 and "pending_config" not in got
    listed = {e["name"]: e for e in admin.get(f"{EP}/").json()["endpoints"]}
    assert listed == {e["name"]: e for e in admin.get(EP).json()["endpoints"]}
    assert "traffic_config" not in listed["crud-ep"]["config"]
    assert listed["crud-ep"]["config"]["served_entities"][0]["name"] == "openai-completions"
    assert admin.delete(f"{EP}/crud-ep").json() == {}
    assert error(admin.get(f"{EP}/crud-ep")) == (
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "Endpoint with name 'crud-ep' does not exist.",
    )
    assert error(admin.delete(f"{EP}/crud-ep"))[:2] == (404, "RESOURCE_DOES_NOT_EXIST")


def test_duplicate_name_conflicts(admin):
    assert admin.post(EP, json=create_body("dup-ep")).status_code == 200
    assert error(admin.post(EP, json=create_body("dup-ep")))[:2] == (409, "RESOURCE_ALREADY_EXISTS")


def test_single_entity_gets_the_server_filled_route(admin):
    config = admin.post(EP, json=create_body("route-ep")).json()
    routes = (config.get("config") or config["pending_config"])["traffic_config"]["routes"]
    assert routes == [
        {
            "served_entity_name": "openai-completions",
            "served_model_name": "openai-completions",
            "traffic_percentage": 100,
        }
    ]


def test_plaintext_key_is_accepted_and_never_returned(admin, inprocess_live_server):
    entity = openai_entity(key={"openai_api_key_plaintext": "sk-plaintext-never-echoed"})
    responses = [admin.post(EP, json=create_body("plain-ep", entity)), admin.get(f"{EP}/plain-ep"), admin.get(EP)]
    for response in responses:
        assert response.status_code == 200
        assert "sk-plaintext-never-echoed" not in response.text and "_plaintext" not in response.text
    config = responses[1].json()["config"]["served_entities"][0]["external_model"]["openai_config"]
    assert config == {}
    assert "sk-plaintext-never-echoed" not in inprocess_live_server.output()


def test_referenced_secret_must_exist(admin):
    entity = openai_entity(key={"openai_api_key": "{{secrets/no_such_scope/k}}"})
    status, code, message = error(admin.post(EP, json=create_body("missing-secret-ep", entity)))
    assert (status, code) == (400, "INVALID_PARAMETER_VALUE")
    assert message.startswith(
        "config.served_entities[0].external_model.openai_config.openai_api_key: secret "
        "{{secrets/no_such_scope/k}} does not exist"
    )
    assert admin.get(f"{EP}/missing-secret-ep").status_code == 404


def test_served_models_legacy_form(admin):
    body = {
        "name": "legacy-ep",
        "config": {
            "served_models": [
                {
                    "model_name": "main.default.m",
                    "model_version": "1",
                    "scale_to_zero_enabled": True,
                    "workload_size": "Small",
                }
            ]
        },
    }
    got = admin.post(EP, json=body).json()
    config = got.get("config") or got["pending_config"]
    assert config["served_models"][0]["name"] == "main-default-m-1"
    assert config["served_entities"][0]["entity_name"] == "main.default.m"
    assert config["traffic_config"]["routes"][0]["traffic_percentage"] == 100


def test_update_config_versions_and_in_progress_conflict(inprocess_server_factory):
    server = inprocess_server_factory(update_delay=1)
    with server.client() as admin:
        seed_openai_secret(admin)
        created = admin.post(EP, json=create_body("sm-ep")).json()
        assert created["state"] == {"ready": "NOT_READY", "config_update": "IN_PROGRESS"}
        assert created["pending_config"]["config_version"] == 1 and "config" not in created
        assert created["pending_config"]["start_time"] > 0
        conflict = admin.put(f"{EP}/sm-ep/config", json={"served_entities": [openai_entity("v2")]})
        assert error(conflict)[:2] == (409, "RESOURCE_CONFLICT")
        assert error(admin.put(f"{EP}/sm-ep/ai-gateway", json={}))[:2] == (409, "RESOURCE_CONFLICT")
        _wait_not_updating(admin, "sm-ep")
        updated = admin.put(f"{EP}/sm-ep/config", json={"served_entities": [openai_entity("v2")]}).json()
        assert updated["state"] == {"ready": "READY", "config_update": "IN_PROGRESS"}
        assert updated["config"]["config_version"] == 1 and updated["pending_config"]["config_version"] == 2
        assert updated["config"]["served_entities"][0]["name"] == "openai-completions"
        final = _wait_not_updating(admin, "sm-ep")
        assert final["config"]["config_version"] == 2 and final["config"]["served_entities"][0]["name"] == "v2"
        assert final["config"]["served_entities"][0]["state"]["deployment"] == "DEPLOYMENT_READY"


def _wait_not_updating(client, name, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"{EP}/{name}").json()
        if body["state"]["config_update"] == "NOT_UPDATING":
            return body
        time.sleep(0.1)
    raise AssertionError(f"{name} still updating")


def test_config_update_rules(admin):
    assert admin.post(EP, json=create_body("rules-ep")).status_code == 200
    custom = {
        "served_entities": [
            {
                "entity_name": "main.default.m",
                "entity_version": "1",
                "workload_size": "Small",
                "scale_to_zero_enabled": True,
            }
        ]
    }
    assert error(admin.put(f"{EP}/rules-ep/config", json=custom)) == (
        400,
        "INVALID_PARAMETER_VALUE",
        "served_entities: an endpoint created with external models cannot drop them",
    )
    two = {
        "served_entities": [openai_entity("a"), openai_entity("b")],
        "traffic_config": {
            "routes": [
                {"served_entity_name": "a", "traffic_percentage": 70},
                {"served_entity_name": "b", "traffic_percentage": 20},
            ]
        },
    }
    assert (
        "traffic_percentage values must sum to 100 (got 90)" in error(admin.put(f"{EP}/rules-ep/config", json=two))[2]
    )
    two["traffic_config"]["routes"][1]["traffic_percentage"] = 30
    ok = admin.put(f"{EP}/rules-ep/config", json=two).json()
    assert ok["config"]["config_version"] == 2
    assert ok["config"]["traffic_config"] == two["traffic_config"]
    assert error(admin.put(f"{EP}/nope-ep/config", json=two))[:2] == (404, "RESOURCE_DOES_NOT_EXIST")


def test_ai_gateway_is_a_full_replacement(admin):
    admin.post(EP, json=create_body("gw-ep"))
    gateway = {
        "rate_limits": [{"calls": 20, "key": "user", "renewal_period": "minute"}],
        "usage_tracking_config": {"enabled": True},
        "inference_table_config": {"enabled": True, "catalog_name": "main", "schema_name": "logs"},
        "guardrails": {"input": {"pii": {"behavior": "BLOCK"}, "invalid_keywords": ["secret"]}},
        "fallback_config": {"enabled": False},
    }
    put = admin.put(f"{EP}/gw-ep/ai-gateway", json=gateway).json()
    assert put["rate_limits"] == gateway["rate_limits"]
    assert put["inference_table_config"]["table_name_prefix"] == "gw-ep"
    assert admin.get(f"{EP}/gw-ep").json()["ai_gateway"] == put
    only_limits = {
        "rate_limits": [{"tokens": 1000, "key": "user_group", "principal": "ml", "renewal_period": "minute"}]
    }
    assert admin.put(f"{EP}/gw-ep/ai-gateway", json=only_limits).json() == only_limits
    assert admin.get(f"{EP}/gw-ep").json()["ai_gateway"] == only_limits
    assert admin.put(f"{EP}/gw-ep/ai-gateway", json={}).json() == {}
    assert "ai_gateway" not in admin.get(f"{EP}/gw-ep").json()
    bad = {"rate_limits": [{"calls": 5, "key": "service_principal", "renewal_period": "minute"}]}
    assert error(admin.put(f"{EP}/gw-ep/ai-gateway", json=bad)) == (
        400,
        "INVALID_PARAMETER_VALUE",
        "rate_limits[0]: principal is required when key is service_principal",
    )


def test_legacy_rate_limits_are_echoed(admin):
    admin.post(EP, json=create_body("legacy-rl-ep"))
    body = {"rate_limits": [{"calls": 20, "key": "user", "renewal_period": "minute"}]}
    assert admin.put(f"{EP}/legacy-rl-ep/rate-limits", json=body).json() == body
    assert error(
        admin.put(f"{EP}/legacy-rl-ep/rate-limits", json={"rate_limits": [{"key": "user", "renewal_period": "minute"}]})
    ) == (400, "INVALID_PARAMETER_VALUE", "rate_limits[0].calls: field is required")


def test_tags_patch_merges_and_sorts(admin):
    admin.post(EP, json=create_body("tags-ep", tags=[{"key": "b", "value": "1"}, {"key": "c", "value": "x"}]))
    patched = admin.patch(
        f"{EP}/tags-ep/tags",
        json={"add_tags": [{"key": "a", "value": "2"}, {"key": "b", "value": "3"}], "delete_tags": ["c"]},
    )
    assert patched.json() == {"tags": [{"key": "a", "value": "2"}, {"key": "b", "value": "3"}]}
    assert admin.get(f"{EP}/tags-ep").json()["tags"] == patched.json()["tags"]
    assert error(admin.patch(f"{EP}/ghost/tags", json={"add_tags": []}))[:2] == (404, "RESOURCE_DOES_NOT_EXIST")


def test_notifications_and_logs(admin):
    admin.post(EP, json=create_body("misc-ep"))
    body = {"email_notifications": {"on_update_failure": ["ops@example.com"]}}
    assert admin.patch(f"{EP}/misc-ep/notifications", json=body).json() == {"name": "misc-ep", **body}
    assert admin.get(f"{EP}/misc-ep/served-models/openai-completions/logs").json() == {"logs": ""}
    assert admin.get(f"{EP}/misc-ep/served-models/openai-completions/build-logs").json() == {"logs": ""}
    assert admin.get(f"{EP}/misc-ep/served-models/other/logs").status_code == 404


def test_permissions_get_set_update_levels(admin, inprocess_live_server):
    endpoint = admin.post(EP, json=create_body("perm-ep")).json()
    path = f"/api/2.0/permissions/serving-endpoints/{endpoint['id']}"
    got = admin.get(path).json()
    assert got["object_id"] == f"/serving-endpoints/{endpoint['id']}" and got["object_type"] == "serving-endpoint"
    levels = [lvl["permission_level"] for lvl in admin.get(f"{path}/permissionLevels").json()["permission_levels"]]
    assert levels == ["CAN_MANAGE", "CAN_QUERY", "CAN_VIEW"]
    put = admin.put(path, json={"access_control_list": [{"user_name": "bob", "permission_level": "CAN_QUERY"}]}).json()
    direct = [e for e in put["access_control_list"] if not e["all_permissions"][0]["inherited"]]
    assert direct == [
        {
            "user_name": "bob",
            "display_name": "bob",
            "all_permissions": [{"permission_level": "CAN_QUERY", "inherited": False}],
        }
    ]
    patched = admin.patch(path, json={"access_control_list": [{"group_name": "ml", "permission_level": "CAN_VIEW"}]})
    names = {e.get("user_name") or e.get("group_name") for e in patched.json()["access_control_list"]}
    assert names == {"bob", "ml", "admins"}
    bob = inprocess_live_server.mint_token("bob")
    with inprocess_live_server.client(bob) as client:
        assert client.get(f"{EP}/perm-ep").json()["permission_level"] == "CAN_QUERY"
        assert error(client.delete(f"{EP}/perm-ep"))[:2] == (403, "PERMISSION_DENIED")
        assert error(client.put(path, json={"access_control_list": []}))[:2] == (403, "PERMISSION_DENIED")
    bad = admin.put(path, json={"access_control_list": [{"user_name": "x", "permission_level": "CAN_RUN"}]})
    assert error(bad)[:2] == (400, "INVALID_PARAMETER_VALUE") and "permission_level" in error(bad)[2]
    assert error(admin.get("/api/2.0/permissions/serving-endpoints/0123"))[:2] == (404, "RESOURCE_DOES_NOT_EXIST")


def test_telemetry_config_only_for_custom_model_endpoints(admin):
    admin.post(EP, json=create_body("telemetry-ep"))
    body = {"telemetry_config": {"enabled_telemetry_features": ["TELEMETRY_FEATURE_LOGS"]}}
    refused = admin.patch(f"{EP}/telemetry-ep/telemetry-config", json=body)
    assert refused.status_code == 400 and "EXTERNAL_MODELS" in refused.json()["message"]
    custom = {
        "name": "custom-ep",
        "config": {"served_entities": [{"name": "m", "entity_name": "cat.sch.m", "entity_version": "1"}]},
    }
    assert admin.post(EP, json=custom).status_code == 200
    _wait_not_updating(admin, "custom-ep")
    assert (
        admin.patch(f"{EP}/custom-ep/telemetry-config", json=body).json()["telemetry_config"]
        == body["telemetry_config"]
    )
    assert admin.get(f"{EP}/custom-ep").json()["telemetry_config"] == body["telemetry_config"]
