"""Behaviours 4, 5 and 6 through the real Pulumi CLI: drift, adopt, waiting and its timeout."""

from __future__ import annotations

import re

import pytest

from tests.support.inventory import endpoints_on
from tests.support.payloads import create_body, entity
from tests.support.stack_program import declare

pytestmark = pytest.mark.e2e

REF = "{{secrets/team_keys/openai}}"
SCOPES = [{"scope": "team_keys", "adopt": True, "secrets": [{"key": "openai", "value_from": "openai_value"}]}]


def _endpoint(model: str = "gpt-3.5-turbo-instruct", **extra) -> dict:
    return create_body(
        "story",
        entity("main", "openai", model, "llm/v1/completions", openai_api_key=REF),
        **extra,
    )


def test_adopt_drift_and_wait_timeout_resume(program_stack, inprocess_server_factory):
    server = inprocess_server_factory(update_delay=2)
    with server.client() as api:
        # 5. pre-existing scope and endpoint (different tags) are adopted and reconciled
        api.post("/api/2.0/secrets/scopes/create", json={"scope": "team_keys"}).raise_for_status()
        api.post(
            "/api/2.0/secrets/put", json={"scope": "team_keys", "key": "openai", "string_value": "old"}
        ).raise_for_status()
        taken = _endpoint(tags=[{"key": "owner", "value": "someone-else"}])
        api.post("/api/2.0/serving-endpoints", json=taken).raise_for_status()
    stack = program_stack(server, {"serving:openai_value": "sk-adopt"})
    declare(
        stack,
        scopes=SCOPES,
        endpoints=[
            _endpoint(
                adopt=True,
                tags=[{"key": "team", "value": "ml"}],
                rate_limits=[{"calls": 20, "key": "user", "renewal_period": "minute"}],
            )
        ],
    )
    up = stack.up()
    assert "adopting" in up.output
    live = endpoints_on(server)["story"]
    assert live["tags"] == [{"key": "team", "value": "ml"}]
    stack.preview(expect_no_changes=True)

    # 4. drift made through the API shows in refresh and is undone by up
    with server.client() as api:
        api.patch(
            "/api/2.0/serving-endpoints/story/tags",
            json={"add_tags": [{"key": "team", "value": "hijacked"}], "delete_tags": []},
        ).raise_for_status()
        api.put(
            "/api/2.0/serving-endpoints/story/ai-gateway",
            json={"rate_limits": [{"calls": 1000, "key": "user", "renewal_period": "minute"}]},
        ).raise_for_status()
        api.post(
            "/api/2.0/secrets/put",
            json={"scope": "team_keys", "key": "openai", "string_value": "changed-behind-our-back"},
        ).raise_for_status()
    drift = stack.refresh("--diff", expect_no_changes=True, check=False)
    assert drift.returncode != 0
    # each drifted field is named by the provider's refresh diff, and its old/new value shown (never the secret's)
    assert "ServingEndpoint story: ~ tags[team].value -> PATCH" in drift.output, drift.output
    assert re.search(r'~ team\s*: "ml" => "hijacked"', drift.output), drift.output  # tags by key
    assert "RateLimits story: ~ rate_limits[user].calls -> PUT" in drift.output, drift.output
    assert re.search(r"~ calls\s*: 20 => 1000", drift.output), drift.output
    assert "Secret team_keys/openai: ~ string_value -> POST /api/2.0/secrets/put" in drift.output, drift.output
    assert "changed-behind-our-back" not in drift.output and "sk-adopt" not in drift.output
    planned = stack.preview_json("--refresh")
    updated = {step["urn"].rsplit("::", 1)[-1] for step in planned["steps"] if step["op"] == "update"}
    assert {"story", "story/rate-limits", "team_keys/openai"} <= updated and "team_keys" not in updated, updated
    stack.refresh()
    undone = stack.run("up", "--yes")  # with its preview: only tags change, so the outputs do not
    assert "~ endpoints" not in undone.stdout and not re.search(r"~ story\s*: \{", undone.stdout), undone.stdout
    live = endpoints_on(server)["story"]
    assert live["tags"] == [{"key": "team", "value": "ml"}]
    assert live["ai_gateway"]["rate_limits"] == [{"calls": 20, "key": "user", "renewal_period": "minute"}]
    stack.refresh(expect_no_changes=True)

    # 4. deleted behind Pulumi's back: refresh drops it, up recreates it
    with server.client() as api:
        api.delete("/api/2.0/serving-endpoints/story").raise_for_status()
    stack.refresh()
    stack.up()
    assert endpoints_on(server)["story"]["ai_gateway"]["rate_limits"][0]["calls"] == 20
    stack.preview(expect_no_changes=True)

    # 6. a wait_timeout shorter than the update delay fails clearly, keeps state, and the next up resumes
    declare(
        stack,
        endpoints=[
            _endpoint(
                "gpt-4",
                tags=[{"key": "team", "value": "ml"}],
                rate_limits=[{"calls": 20, "key": "user", "renewal_period": "minute"}],
            )
        ],
        wait_timeout=0.5,
    )
    failed = stack.run("up", "--yes", "--skip-preview", check=False)
    assert failed.returncode != 0
    # the wait is the gate's status while it waits (its line on stdout), not raw stderr under the stack
    assert re.search(r"EndpointsReady endpoints-ready .*EndpointsReady: waiting for endpoint 'story'", failed.stdout)
    gate = failed.stdout.split("Diagnostics:")[1].split("EndpointsReady (endpoints-ready):")[1].split("\n\n")[0]
    assert "waiting for" not in gate and "pulumi-serving: waiting" not in failed.output, failed.output
    assert "ServingEndpoint 'story' is in the stack's state, but endpoint 'story' is still updating" in failed.output
    assert "resumes" in failed.output, failed.output
    assert any(r["type"].endswith(":ServingEndpoint") for r in stack.resources())
    declare(stack, wait_timeout=60)
    resumed = stack.up()
    assert "ready" in resumed.output
    live = endpoints_on(server)["story"]
    assert live["state"]["config_update"] == "NOT_UPDATING"
    assert live["config"]["served_entities"][0]["external_model"]["name"] == "gpt-4"
    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert endpoints_on(server) == {}


def test_existing_endpoint_is_not_taken_over_without_adopt(program_stack, inprocess_server_factory):
    server = inprocess_server_factory(update_delay=0)
    theirs = [{"key": "owner", "value": "someone-else"}]
    with server.client() as api:
        api.post("/api/2.0/secrets/scopes/create", json={"scope": "team_keys"}).raise_for_status()
        api.post(
            "/api/2.0/secrets/put", json={"scope": "team_keys", "key": "openai", "string_value": "theirs"}
        ).raise_for_status()
        api.post("/api/2.0/serving-endpoints", json={**_endpoint(), "tags": theirs}).raise_for_status()
    stack = program_stack(server, {"serving:openai_value": "sk-mine"})
    declare(stack, scopes=SCOPES, endpoints=[_endpoint(tags=[{"key": "team", "value": "ml"}])])  # same config
    refused = stack.up(check=False)
    assert refused.returncode != 0
    assert (
        "serving endpoint 'story' already exists and this stack did not create it; set adopt=True" in refused.output
    ), refused.output
    assert not [r for r in stack.resources() if r["type"].endswith(":ServingEndpoint")]
    stack.destroy()
    assert endpoints_on(server)["story"]["tags"] == theirs  # neither retagged nor deleted
