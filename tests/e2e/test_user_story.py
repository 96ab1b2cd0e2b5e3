"""Behaviours 1, 2 (dev stack part), 7 and 9: the checked-in dev stack through the real Pulumi CLI."""

from __future__ import annotations

import pytest

from tests.support.inventory import endpoints_on, scopes_on, secret_keys_on
from tests.support.stack_program import DEV_PASSPHRASE

pytestmark = pytest.mark.e2e

DEV_SECRET_VALUES = ("sk-demo-openai-0001", "sk-ant-demo-0001")  # encrypted in stacks/Pulumi.dev.yaml


def test_dev_stack_up_is_stable_leaks_nothing_and_destroys_clean(program_stack, inprocess_live_server):
    stack = program_stack(inprocess_live_server, stack="dev", env={"PULUMI_CONFIG_PASSPHRASE": DEV_PASSPHRASE})
    up = stack.up()

    # 1. the user story, steps 1-3, is on the server
    assert scopes_on(inprocess_live_server) == ["my_anthropic_secret_scope", "my_openai_secret_scope"]
    assert secret_keys_on(inprocess_live_server, "my_openai_secret_scope") == ["openai_api_key"]
    endpoints = endpoints_on(inprocess_live_server)
    assert set(endpoints) == {
        "openai-completions-endpoint",
        "azure-openai-completions-endpoint",
        "anthropic-completions-endpoint",
    }
    openai = endpoints["openai-completions-endpoint"]
    model = openai["config"]["served_entities"][0]["external_model"]
    assert (model["name"], model["task"]) == ("gpt-3.5-turbo-instruct", "llm/v1/completions")
    assert model["openai_config"]["openai_api_key"] == "{{secrets/my_openai_secret_scope/openai_api_key}}"
    assert (
        endpoints["azure-openai-completions-endpoint"]["config"]["served_entities"][0]["external_model"][
            "openai_config"
        ]["openai_api_type"]
        == "azure"
    )
    assert (
        endpoints["anthropic-completions-endpoint"]["config"]["served_entities"][0]["external_model"]["name"]
        == "claude-2"
    )
    assert openai["ai_gateway"]["rate_limits"] == [{"calls": 20, "key": "user", "renewal_period": "minute"}]
    assert all(e["state"]["config_update"] == "NOT_UPDATING" for e in endpoints.values())

    # 2. zero spurious diffs
    preview = stack.preview(expect_no_changes=True)
    stack.refresh(expect_no_changes=True)
    stack.preview(expect_no_changes=True)

    # 7. no secret value in state, outputs or CLI output (up and preview ran with --diff)
    exported = stack.export_text()
    for text in (exported, up.output, preview.output, stack.outputs().__repr__()):
        for value in (*DEV_SECRET_VALUES, inprocess_live_server.admin_token):
            assert value not in text
    types = {r["type"] for r in stack.resources()}
    assert types == {
        f"pulumi-python:dynamic/serving:{t}"
        for t in ("SecretScope", "Secret", "ServingEndpoint", "EndpointsReady", "RateLimits", "DeclaredScopes")
    }

    # 9. destroy leaves the server empty
    stack.destroy()
    assert endpoints_on(inprocess_live_server) == {}
    assert scopes_on(inprocess_live_server) == []
