"""The plain Python program of examples/python-program through the real Pulumi CLI: up, objects on the
server, no secret leaks, no-change preview, destroy leaves the server empty."""

from __future__ import annotations

import pytest

from tests.support.inventory import endpoints_on, scopes_on, secret_keys_on
from tests.support.pulumi_stack import REPO_ROOT

pytestmark = pytest.mark.e2e

PROGRAM = REPO_ROOT / "examples" / "python-program"
OPENAI_KEY = "sk-python-program-4e8b20"
REF = "{{secrets/my_openai_secret_scope/openai_api_key}}"


def test_python_program_up_preview_destroy(pulumi_stack_factory, inprocess_live_server):
    stack = pulumi_stack_factory(
        PROGRAM,
        config={"serving:host": inprocess_live_server.url},
        secrets={"serving:token": inprocess_live_server.admin_token, "openaiApiKey": OPENAI_KEY},
    )
    # Secret.config_reference is known at preview and makes the secret known to the endpoint (not looked up).
    [step] = [s for s in stack.preview_json()["steps"] if s["urn"].endswith("ServingEndpoint::openai-completions")]
    planned = step["newState"]["inputs"]
    assert planned["config"]["served_entities"][0]["external_model"]["openai_config"]["openai_api_key"] == REF
    assert planned["__known_secrets"] == ["my_openai_secret_scope/openai_api_key"]  # never shown in a plan
    up = stack.up()
    [state] = [r for r in stack.resources() if r["type"].endswith("serving:ServingEndpoint")]
    assert any(urn.endswith("serving:Secret::openai-api-key") for urn in state["dependencies"])

    assert scopes_on(inprocess_live_server) == ["my_openai_secret_scope"]
    with inprocess_live_server.client() as api:
        acl = api.get(
            "/api/2.0/secrets/acls/get", params={"scope": "my_openai_secret_scope", "principal": "users"}
        ).json()
    assert secret_keys_on(inprocess_live_server, "my_openai_secret_scope") == ["openai_api_key"]
    assert acl["permission"] == "READ"
    endpoint = endpoints_on(inprocess_live_server)["openai-completions-endpoint"]
    model = endpoint["config"]["served_entities"][0]["external_model"]
    assert (model["name"], model["provider"], model["task"]) == (
        "gpt-3.5-turbo-instruct",
        "openai",
        "llm/v1/completions",
    )
    assert model["openai_config"]["openai_api_key"] == REF
    assert endpoint["ai_gateway"]["rate_limits"] == [{"calls": 20, "key": "user", "renewal_period": "minute"}]
    assert endpoint["state"]["config_update"] == "NOT_UPDATING"
    assert endpoint["description"] == "Completions for the apps team"
    with inprocess_live_server.client() as api:
        grants = api.get(f"/api/2.0/permissions/serving-endpoints/{endpoint['id']}").json()["access_control_list"]
    assert {
        "group_name": "apps",
        "display_name": "apps",
        "all_permissions": [{"permission_level": "CAN_QUERY", "inherited": False}],
    } in grants, grants
    assert stack.outputs()["invocation_url"].endswith("/serving-endpoints/openai-completions-endpoint/invocations")
    for text in (up.output, stack.export_text()):
        assert OPENAI_KEY not in text and inprocess_live_server.admin_token not in text

    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert endpoints_on(inprocess_live_server) == {} and scopes_on(inprocess_live_server) == []
