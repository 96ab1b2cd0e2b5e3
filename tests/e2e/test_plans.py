"""Behaviours 2, 3 and 7 through the real Pulumi CLI: every external-model provider kind, plaintext keys,
multiple served entities, traffic routes and tags settle to "no changes"; edits give minimal, correct plans."""

from __future__ import annotations

import copy

import pytest

from tests.support.inventory import endpoints_on, scopes_on
from tests.support.payloads import create_body, entity
from tests.support.stack_program import declare, step_line

pytestmark = pytest.mark.e2e

C, CHAT, EMB = "llm/v1/completions", "llm/v1/chat", "llm/v1/embeddings"
REF = "{{secrets/provider_keys/shared_key}}"
PLAIN = {"secret": "plain_key"}
SECRETS = {"serving:shared_key_value": "sk-shared-value-111", "serving:plain_key": "sk-plaintext-value-222"}

SCOPES = [
    {
        "id": "keys",
        "scope": "provider_keys",
        "secrets": [{"key": "shared_key", "value_from": "shared_key_value"}],
        "acls": [{"principal": "ml-engineers", "permission": "READ"}],
    }
]


def _endpoints() -> list[dict]:
    return [
        create_body(
            "openai-plain",
            entity("gpt-3-5-turbo-instruct", "openai", "gpt-3.5-turbo-instruct", C, openai_api_key_plaintext=PLAIN),
        ),
        create_body(
            "azure-chat",
            entity(
                "gpt-4",
                "openai",
                "gpt-4",
                CHAT,
                openai_api_type="azure",
                openai_api_key=REF,
                openai_api_base="https://r.openai.azure.com/",
                openai_deployment_name="gpt4",
                openai_api_version="2023-05-15",
            ),
        ),
        create_body(
            "azuread-chat",
            entity(
                "gpt-4o",
                "openai",
                "gpt-4o",
                CHAT,
                openai_api_type="azuread",
                microsoft_entra_tenant_id="t",
                microsoft_entra_client_id="c",
                microsoft_entra_client_secret=REF,
                openai_api_base="https://r.openai.azure.com/",
                openai_deployment_name="gpt4o",
                openai_api_version="2024-02-01",
            ),
        ),
        create_body("anthropic-chat", entity("claude-2", "anthropic", "claude-2", CHAT, anthropic_api_key=REF)),
        create_body(
            "cohere-embed",
            entity("embed-english-v3-0", "cohere", "embed-english-v3.0", EMB, cohere_api_key_plaintext=PLAIN),
        ),
        create_body(
            "bedrock-chat",
            entity(
                "claude-v2",
                "amazon-bedrock",
                "claude-v2",
                CHAT,
                aws_region="us-east-1",
                bedrock_provider="anthropic",
                aws_access_key_id=REF,
                aws_secret_access_key_plaintext=PLAIN,
            ),
        ),
        create_body(
            "vertex-chat",
            entity(
                "gemini-pro",
                "google-cloud-vertex-ai",
                "gemini-pro",
                CHAT,
                project_id="p",
                region="us-central1",
                private_key=REF,
            ),
        ),
        create_body("ai21-completions", entity("j2-mid", "ai21labs", "j2-mid", C, ai21labs_api_key=REF)),
        create_body("palm-chat", entity("chat-bison", "palm", "chat-bison", CHAT, palm_api_key_plaintext=PLAIN)),
        create_body(
            "dbx-chat",
            entity(
                "llama",
                "databricks-model-serving",
                "llama",
                CHAT,
                databricks_workspace_url="https://w.cloud.databricks.com",
                databricks_api_token=REF,
            ),
        ),
        create_body(
            "custom-chat",
            entity(
                "my-model",
                "custom",
                "my-model",
                CHAT,
                custom_provider_url="https://llm.example.com/v1",
                bearer_token_auth={"token_plaintext": PLAIN},
            ),
        ),
        {
            "name": "split-completions",
            "tags": [{"key": "team", "value": "ml"}, {"key": "cost-center", "value": "42"}],
            "config": {
                "served_entities": [
                    entity("primary", "openai", "gpt-3.5-turbo-instruct", C, openai_api_key=REF),
                    entity("canary", "openai", "gpt-3.5-turbo-instruct", C, openai_api_key_plaintext=PLAIN),
                ],
                "traffic_config": {
                    "routes": [
                        {"served_entity_name": "primary", "traffic_percentage": 80},
                        {"served_entity_name": "canary", "traffic_percentage": 20},
                    ]
                },
            },
            "rate_limits": [
                {"calls": 20, "key": "user", "renewal_period": "minute"},
                {"tokens": 0, "key": "user_group", "principal": "interns", "renewal_period": "minute"},
            ],
        },
    ]


def test_every_provider_kind_settles_and_edits_plan_minimally(program_stack, inprocess_server_factory):
    server = inprocess_server_factory(update_delay=0.5)
    stack = program_stack(server, SECRETS)
    endpoints = _endpoints()
    declare(stack, scopes=SCOPES, endpoints=endpoints)
    outputs = [stack.up().output]
    live = endpoints_on(server)
    assert len(live) == len(endpoints)
    assert live["split-completions"]["ai_gateway"]["rate_limits"][1]["tokens"] == 0  # 0 = blocked, kept

    # 2. zero spurious diffs for every provider kind, plaintext keys, several entities, routes and tags
    outputs.append(stack.preview(expect_no_changes=True).output)
    stack.refresh(expect_no_changes=True)
    outputs.append(stack.preview(expect_no_changes=True).output)

    # 3a. a rate-limit change updates only RateLimits
    version = live["split-completions"]["config"]["config_version"]
    endpoints[-1]["rate_limits"][0]["calls"] = 30
    declare(stack, endpoints=endpoints)
    preview = stack.preview()
    outputs.append(preview.output)
    changed = [
        line
        for line in preview.output.splitlines()
        if line.lstrip().startswith(("~ ", "+ ", "- ", "+-")) and "dynamic/serving" in line
    ]
    assert len(changed) == 1 and "RateLimits" in changed[0], preview.output
    outputs.append(stack.up().output)
    live = endpoints_on(server)
    assert live["split-completions"]["ai_gateway"]["rate_limits"][0]["calls"] == 30
    assert live["split-completions"]["config"]["config_version"] == version

    # 3b. a model change and a key reference change update the endpoint in place and wait until ready
    endpoints[1]["config"]["served_entities"][0]["external_model"]["name"] = "gpt-4-turbo"
    endpoints[3]["config"]["served_entities"][0]["external_model"]["anthropic_config"]["anthropic_api_key"] = (
        "{{secrets/provider_keys/other_key}}"
    )
    scopes = copy.deepcopy(SCOPES)
    scopes[0]["secrets"].append({"key": "other_key", "value_from": "shared_key_value"})
    declare(stack, scopes=scopes, endpoints=endpoints)
    up = stack.up()
    outputs.append(up.output)
    assert step_line(up.output, "ServingEndpoint") and not step_line(up.output, "SecretScope")
    assert all("(update)" in line for line in step_line(up.output, "ServingEndpoint")), up.output
    live = endpoints_on(server)
    assert live["azure-chat"]["config"]["served_entities"][0]["external_model"]["name"] == "gpt-4-turbo"
    assert live["azure-chat"]["state"]["config_update"] == "NOT_UPDATING"
    assert live["azure-chat"]["config"]["config_version"] == 2

    # 3c. changing a plaintext key or a secret value updates in place (no replace, no plaintext anywhere)
    stack.set_config(
        secrets={"serving:plain_key": "sk-plaintext-value-444", "serving:shared_key_value": "sk-shared-value-555"}
    )
    preview = stack.preview()
    outputs.append(preview.output)
    secret_steps = step_line(preview.output, "Secret")
    endpoint_steps = step_line(preview.output, "ServingEndpoint")
    assert secret_steps and all("(update)" in line for line in secret_steps), preview.output
    assert endpoint_steps and all("(update)" in line for line in endpoint_steps), preview.output
    outputs.append(stack.up().output)
    outputs.append(stack.preview(expect_no_changes=True).output)

    # 3d. renaming an endpoint or a scope replaces it
    endpoints[0]["id"], endpoints[0]["name"] = "openai-plain", "openai-plain-v2"
    scopes[0]["scope"] = "provider_keys_v2"
    for endpoint in endpoints:
        _rename_refs(endpoint, "provider_keys", "provider_keys_v2")
    declare(stack, scopes=scopes, endpoints=endpoints)
    up = stack.up()
    outputs.append(up.output)
    assert "replaced" in up.output
    assert "openai-plain-v2" in endpoints_on(server) and "openai-plain" not in endpoints_on(server)
    assert scopes_on(server) == ["provider_keys_v2"]
    outputs.append(stack.preview(expect_no_changes=True).output)

    # 7. no secret value in state or in any preview/up output (all ran with --diff)
    outputs.append(stack.export_text())
    everything = "\n".join(outputs)
    for value in (*SECRETS.values(), "sk-plaintext-value-444", "sk-shared-value-555", server.admin_token):
        assert value not in everything

    stack.destroy()
    assert endpoints_on(server) == {} and scopes_on(server) == []


def _rename_refs(node, old: str, new: str):
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and f"secrets/{old}/" in value:
                node[key] = value.replace(f"secrets/{old}/", f"secrets/{new}/")
            else:
                _rename_refs(value, old, new)
    elif isinstance(node, list):
        for value in node:
            _rename_refs(value, old, new)
