"""Dynamic providers called directly with dicts against the real local server, plus pickling by reference."""

from __future__ import annotations

import base64
import copy

import dill
import httpx
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_serving import resources
from pulumi_serving.client import AlreadyExists, WaitTimeout
from pulumi_serving.plan import comparable_endpoint
from pulumi_serving.resources import (
    EndpointPermissionsProvider,
    EndpointsReadyProvider,
    RateLimitsProvider,
    SecretProvider,
    SecretScopeProvider,
    ServingEndpointProvider,
)
from tests.support.payloads import openai_entity
from tests.support.providers import configured

REF = "{{secrets/keys/openai}}"


@pytest.fixture
def server(inprocess_server_factory):
    return inprocess_server_factory(update_delay=0.3)


def _endpoint_inputs(key_settings: dict | None = None, **extra) -> dict:
    return {
        "endpoint_name": "ep",
        "config": {"served_entities": [openai_entity("main", key_settings or {"openai_api_key": REF})]},
        **extra,
    }


def test_providers_pickle_by_reference_without_configuration(server) -> None:
    for cls in (
        ServingEndpointProvider,
        SecretProvider,
        SecretScopeProvider,
        RateLimitsProvider,
        EndpointPermissionsProvider,
    ):
        fresh = serialize_provider(cls())
        provider = configured(cls, server)
        provider.client()
        assert serialize_provider(provider) == fresh  # configuration and clients never reach state
        raw = base64.b64decode(fresh)
        assert cls.__module__.encode() in raw and server.admin_token.encode() not in raw
        assert len(fresh) < 200  # a reference, not pickled code
        assert type(dill.loads(raw)) is cls
    assert resources.ServingEndpoint._resource_type_name == "dynamic/serving:ServingEndpoint"
    assert resources.RateLimits._resource_type_name == "dynamic/serving:RateLimits"


def test_scope_and_secret_lifecycle_with_drift(server) -> None:
    scopes, secrets = configured(SecretScopeProvider, server), configured(SecretProvider, server)
    scope = scopes.create(scopes.check({}, {"scope": "keys"}).inputs)
    with pytest.raises(Exception, match="adopt=True"):
        scopes.create({"scope": "keys"})
    news = secrets.check({}, {"scope": "keys", "key": "openai", "string_value": "sk-one"}).inputs
    created = secrets.create(news)
    assert "sk-one" not in repr(created.outs)
    assert secrets.diff(created.id, created.outs, news).changes is False
    rotated = {**news, "string_value": "sk-two"}
    diff = secrets.diff(created.id, created.outs, rotated)
    assert diff.changes is True and diff.replaces == []
    updated = secrets.update(created.id, created.outs, rotated).outs
    assert secrets.read(created.id, updated).outs == updated
    with server.client() as api:
        api.post("/api/2.0/secrets/put", json={"scope": "keys", "key": "openai", "string_value": "x"})
    drifted = secrets.read(created.id, updated).outs
    assert secrets.diff(created.id, drifted, rotated).changes is True
    scopes.delete(scope.id, scope.outs)
    assert secrets.read(created.id, updated).id == ""
    secrets.delete(created.id, updated)  # already gone with its scope: success


def test_endpoint_check_names_the_property_and_reason(server) -> None:
    provider = configured(ServingEndpointProvider, server)
    both = provider.check({}, _endpoint_inputs({"openai_api_key": REF, "openai_api_key_plaintext": "sk-x"}))
    # one line each, the field's path first; no property, so the engine does not print the value in Go syntax
    assert [f.property for f in both.failures] == [""] and both.failures[0].reason.startswith("config.")
    assert "mutually exclusive" in both.failures[0].reason and "sk-x" not in both.failures[0].reason
    missing = provider.check({}, _endpoint_inputs())
    assert "neither declared" in missing.failures[0].reason and "config_reference" in missing.failures[0].reason
    assert "'keys/openai' in the endpoint's known_secrets" in missing.failures[0].reason
    assert provider.check({}, _endpoint_inputs(known_secrets=["keys/openai"])).failures == []
    bad_name = provider.check({}, {**_endpoint_inputs(), "endpoint_name": "no spaces"})
    assert any(f.reason.startswith("endpoint_name: ") for f in bad_name.failures)
    unknown = provider.check({}, {**_endpoint_inputs(), "colour": "blue"})
    assert any(f.reason == "colour: unknown property of ServingEndpoint" for f in unknown.failures)


def test_endpoint_lifecycle_plaintext_adopt_drift_and_delete(server) -> None:
    provider = configured(ServingEndpointProvider, server)
    news = provider.check(
        {}, _endpoint_inputs({"openai_api_key_plaintext": "sk-plain-1"}, tags=[{"key": "team", "value": "ml"}])
    ).inputs
    created = provider.create(news)
    assert created.outs["state"]["config_update"] == "IN_PROGRESS"  # create never waits (EndpointsReady does)
    assert created.outs["invocation_url"].endswith("/serving-endpoints/ep/invocations")
    assert "sk-plain-1" not in repr(created.outs)
    assert provider.diff("ep", created.outs, news).changes is False
    read = provider.read("ep", created.outs)
    assert comparable_endpoint.stored(read.outs) == comparable_endpoint.stored(created.outs) and read.inputs is None

    with server.client() as api:
        api.patch("/api/2.0/serving-endpoints/ep/tags", json={"add_tags": [{"key": "team", "value": "x"}]})
    drift = provider.read("ep", created.outs)
    assert drift.inputs is not None and provider.diff("ep", drift.outs, news).changes is True
    reverted = provider.update("ep", drift.outs, news).outs
    assert reverted["tags"] == {"team": "ml"} and reverted["config_version"] == 1

    rotated = copy.deepcopy(news)
    rotated["config"]["served_entities"][0]["external_model"]["openai_config"]["openai_api_key_plaintext"] = "sk-2"
    assert provider.diff("ep", reverted, rotated).replaces == []
    assert provider.update("ep", reverted, rotated).outs["config_version"] == 2

    again = {**news, "adopt": True, "tags": [{"key": "team", "value": "adopted"}]}
    adopted = provider.create(again)  # same name exists: adopt reconciles instead of failing
    assert adopted.outs["tags"] == {"team": "adopted"}
    provider.delete("ep", adopted.outs)
    provider.delete("ep", adopted.outs)  # already gone: success
    assert provider.read("ep", adopted.outs).id == ""


def test_rate_limits_read_modify_write_keeps_other_gateway_sections(server) -> None:
    endpoints, limits = configured(ServingEndpointProvider, server), configured(RateLimitsProvider, server)
    endpoints.create(
        endpoints.check(
            {},
            _endpoint_inputs(
                {"openai_api_key_plaintext": "k"}, ai_gateway={"usage_tracking_config": {"enabled": True}}
            ),
        ).inputs
    )
    news = limits.check(
        {}, {"endpoint": "ep", "rate_limits": [{"calls": 0.0, "key": "user", "renewal_period": "minute"}]}
    ).inputs
    created = limits.create(news)
    assert created.outs["rate_limits"] == [{"key": "user", "renewal_period": "minute", "calls": 0}]
    with server.client() as api:
        gateway = api.get("/api/2.0/serving-endpoints/ep").json()["ai_gateway"]
    assert gateway["usage_tracking_config"] == {"enabled": True} and gateway["rate_limits"][0]["calls"] == 0
    assert limits.diff("ep", limits.read("ep", created.outs).outs, news).changes is False
    limits.delete("ep", created.outs)
    with server.client() as api:
        gateway = api.get("/api/2.0/serving-endpoints/ep").json()["ai_gateway"]
    assert "rate_limits" not in gateway or not gateway["rate_limits"]
    assert gateway["usage_tracking_config"] == {"enabled": True}


def test_endpoint_create_refuses_an_endpoint_it_did_not_create(server) -> None:
    provider = configured(ServingEndpointProvider, server)
    news = provider.check({}, _endpoint_inputs({"openai_api_key_plaintext": "sk-theirs"})).inputs
    with server.client() as api:
        api.post(
            "/api/2.0/serving-endpoints",
            json={"name": "ep", "config": news["config"], "tags": [{"key": "owner", "value": "someone-else"}]},
        ).raise_for_status()
    with pytest.raises(AlreadyExists, match="this stack did not create it; set adopt=True"):
        provider.create({**news, "tags": [{"key": "team", "value": "ml"}]})
    with server.client() as api:
        assert api.get("/api/2.0/serving-endpoints/ep").json()["tags"] == [{"key": "owner", "value": "someone-else"}]


def test_endpoint_create_resumes_its_own_post_whose_answer_was_lost(server) -> None:
    provider = configured(ServingEndpointProvider, server)
    news = provider.check({}, _endpoint_inputs({"openai_api_key_plaintext": "sk-mine"})).inputs
    transport = provider.client().transport
    real_send, lost = transport._send, []

    def send_then_lose_first_answer(method, path, json, params):
        response = real_send(method, path, json, params)
        if method == "POST" and not lost:
            lost.append(path)
            raise httpx.ReadTimeout("answer lost after the server created the endpoint")
        return response

    transport._send = send_then_lose_first_answer
    created = provider.create(news)
    assert lost == ["/api/2.0/serving-endpoints"] and created.id == "ep"
    assert created.outs["endpoint_id"] and created.outs["config"]["served_entities"][0]["name"] == "main"


def test_readiness_names_each_endpoint_still_updating_and_resumes(inprocess_server_factory) -> None:
    server = inprocess_server_factory(update_delay=2)  # long enough that the first check sees the update running
    provider = configured(ServingEndpointProvider, server)
    created = provider.create(provider.check({}, _endpoint_inputs({"openai_api_key_plaintext": "sk-slow"})).inputs)
    ready = configured(EndpointsReadyProvider, server)
    gate = {"endpoints": [{"name": "ep", "config_version": created.outs["config_version"]}], "wait_timeout": 0.01}
    with pytest.raises(
        WaitTimeout,
        match=r"ServingEndpoint 'ep' is in the stack's state, but endpoint 'ep' is still "
        r"updating \(config_update IN_PROGRESS\)(.|\n)*Run `pulumi up` again to resume waiting",
    ):
        ready.create(gate)
    assert ready.create({**gate, "wait_timeout": 30.0}).id == "ready"
    with server.client() as api:
        assert api.get("/api/2.0/serving-endpoints/ep").json()["config"]["config_version"] == 1  # nothing re-sent


def test_endpoint_config_from_typed_sections_or_whole() -> None:
    from pulumi_serving.resources.serving_endpoint import endpoint_config

    entities = [{"name": "a", "external_model": {"name": "m", "provider": "openai", "task": "llm/v1/chat"}}]
    routes = {"routes": [{"served_entity_name": "a", "traffic_percentage": 100}]}
    assert endpoint_config(served_entities=entities, traffic_config=routes) == {
        "served_entities": entities,
        "traffic_config": routes,
    }
    assert endpoint_config({"served_entities": entities}) == {"served_entities": entities}
    with pytest.raises(TypeError, match="either config or served_entities"):
        endpoint_config({"served_entities": entities}, served_entities=entities)
    with pytest.raises(TypeError, match="is required"):
        endpoint_config()


def test_an_adopt_preview_shows_the_field_changes_against_the_live_object_and_the_marker(server, capsys) -> None:
    endpoints, scopes = configured(ServingEndpointProvider, server), configured(SecretScopeProvider, server)
    with server.client() as api:  # made by hand, as a user's would be
        api.post("/api/2.0/secrets/scopes/create", json={"scope": "hand_made"})
        api.post("/api/2.0/secrets/put", json={"scope": "hand_made", "key": "k", "string_value": "sk-secret"})
        body = {"name": "ep", "config": _endpoint_inputs({"openai_api_key_plaintext": "sk-plain"})["config"]}
        api.post("/api/2.0/serving-endpoints", json={**body, "tags": [{"key": "owner", "value": "bob"}]})
    owner = "proj/dev/ServingEndpoint/ep"
    declared = _endpoint_inputs(
        {"openai_api_key_plaintext": "sk-plain"}, tags={"owner": "platform"}, adopt=True, owner=owner
    )
    assert endpoints.check({}, declared).failures == []
    shown = capsys.readouterr().err
    assert "adopt: serving endpoint 'ep' exists" in shown and "changes 1 field(s)" in shown, shown
    assert '~ tags.owner: "bob" => "platform"' in shown
    assert f'+ tags.pulumi-serving-owner: "{owner}" (the ownership marker)' in shown
    assert "sk-plain" not in shown

    assert scopes.check({}, {"scope": "hand_made", "adopt": True, "owner": "proj/dev/SecretScope/s"}).failures == []
    shown = capsys.readouterr().err
    assert "adopt: secret scope 'hand_made' exists" in shown and "keys: 'k'" in shown, shown
    assert "(the ownership marker)" in shown and "sk-secret" not in shown

    [refused] = endpoints.check({}, {**declared, "description": "new"}).failures  # only a replace sets it
    assert refused.reason.startswith("description: serving endpoint 'ep' cannot be adopted with this value")
    assert endpoints.check({}, {**declared, "endpoint_name": "new-ep"}).failures == []
    assert "adopt: no serving endpoint 'new-ep' on the server: `up` creates it" in capsys.readouterr().err
