"""External model validation: provider blocks, credential pairs, Azure rules, tasks."""

import pytest

from pulumi_serving.payloads import CREDENTIAL_PAIRS, WRITE_ONLY_FIELDS, validate_endpoint_config
from pulumi_serving.payloads.external_models import PROVIDER_CONFIG_BLOCK, TASKS
from pulumi_serving.payloads.server_behaviour import CHAT, COMPLETIONS, EMBEDDINGS

REF = "{{secrets/s/k}}"


def entity(provider, block, task="llm/v1/completions", name="m"):
    return {
        "served_entities": [
            {
                "name": "e",
                "external_model": {
                    "provider": provider,
                    "name": name,
                    "task": task,
                    PROVIDER_CONFIG_BLOCK[provider]: block,
                },
            }
        ]
    }


def messages(config):
    return [str(p) for p in validate_endpoint_config(config)]


VALID_BLOCKS = {
    "openai": {"openai_api_key": REF},
    "anthropic": {"anthropic_api_key_plaintext": "sk-ant"},
    "cohere": {"cohere_api_key": REF, "cohere_api_base": "https://x"},
    "amazon-bedrock": {
        "aws_region": "us-east-1",
        "bedrock_provider": "Anthropic",
        "aws_access_key_id": REF,
        "aws_secret_access_key_plaintext": "s",
    },
    "google-cloud-vertex-ai": {"project_id": "p", "region": "us", "private_key": REF},
    "ai21labs": {"ai21labs_api_key": REF},
    "palm": {"palm_api_key": REF},
    "databricks-model-serving": {"databricks_workspace_url": "https://w", "databricks_api_token": REF},
    "custom": {"custom_provider_url": "https://c", "bearer_token_auth": {"token": REF}},
}


@pytest.mark.parametrize("provider", sorted(VALID_BLOCKS))
def test_every_provider_accepts_a_valid_block(provider):
    assert messages(entity(provider, VALID_BLOCKS[provider])) == []


@pytest.mark.parametrize("pair", CREDENTIAL_PAIRS, ids=lambda p: f"{p.block}.{p.field}")
def test_pair_is_mutually_exclusive(pair):
    provider = next(p for p, b in PROVIDER_CONFIG_BLOCK.items() if b == pair.block.split(".")[0])
    block = {k: (dict(v) if isinstance(v, dict) else v) for k, v in VALID_BLOCKS[provider].items()}
    if provider == "openai" and pair.field.startswith("microsoft"):
        block = {
            "openai_api_type": "azuread",
            "openai_api_base": "https://a",
            "openai_api_version": "2024-01-01",
            "openai_deployment_name": "d",
            "microsoft_entra_tenant_id": "t",
            "microsoft_entra_client_id": "c",
        }
    target = block
    if "." in pair.block:
        sub = pair.block.split(".")[1]
        block = {"custom_provider_url": "https://c", sub: {"key": "X-Key"} if sub == "api_key_auth" else {}}
        target = block[sub]
    target[pair.field] = REF
    target[pair.plaintext_field] = "raw"
    assert any(
        f"{pair.field} and {pair.plaintext_field} are mutually exclusive" in m
        for m in messages(entity(provider, block))
    )


def test_write_only_table_lists_plaintext_fields():
    assert ("openai_config", "openai_api_key_plaintext") in WRITE_ONLY_FIELDS
    assert all(field.endswith("_plaintext") for _, field in WRITE_ONLY_FIELDS)
    assert len(WRITE_ONLY_FIELDS) == len(CREDENTIAL_PAIRS) == 12


def test_missing_credential_and_bad_reference_are_named():
    assert messages(entity("anthropic", {})) == [
        "served_entities[0].external_model.anthropic_config: one of anthropic_api_key or "
        "anthropic_api_key_plaintext is required"
    ]
    (msg,) = messages(entity("openai", {"openai_api_key": "sk-raw"}))
    assert msg.startswith("served_entities[0].external_model.openai_config: openai_api_key:")
    assert "not a secret reference" in msg


def test_azure_requires_base_deployment_version_and_rejects_organization():
    (msg,) = messages(entity("openai", {"openai_api_type": "AZURE", "openai_api_key": REF}))
    assert "openai_api_base, openai_deployment_name, openai_api_version required when openai_api_type is azure" in msg
    azure = {
        "openai_api_type": "azure",
        "openai_api_key": REF,
        "openai_api_base": "https://r.openai.azure.com/",
        "openai_deployment_name": "d",
        "openai_api_version": "2023-05-15",
    }
    assert messages(entity("openai", azure)) == []
    assert "openai_organization is not allowed" in messages(entity("openai", {**azure, "openai_organization": "o"}))[0]
    assert (
        "openai_deployment_name is only allowed"
        in messages(entity("openai", {"openai_api_key": REF, "openai_deployment_name": "d"}))[0]
    )


def test_azuread_needs_entra_fields_not_api_key():
    base = {
        "openai_api_type": "azuread",
        "openai_api_base": "https://a",
        "openai_deployment_name": "d",
        "openai_api_version": "2024-01-01",
    }
    assert "microsoft_entra_tenant_id, microsoft_entra_client_id required" in messages(entity("openai", base))[0]
    full = {
        **base,
        "microsoft_entra_tenant_id": "t",
        "microsoft_entra_client_id": "c",
        "microsoft_entra_client_secret": REF,
    }
    assert messages(entity("openai", full)) == []
    assert "openai_api_key is not used" in messages(entity("openai", {**full, "openai_api_key": REF}))[0]
    assert (
        "only allowed when openai_api_type is azuread"
        in messages(entity("openai", {"openai_api_key": REF, "microsoft_entra_tenant_id": "t"}))[0]
    )


def test_bedrock_needs_exactly_one_auth_method():
    base = {"aws_region": "us-east-1", "bedrock_provider": "amazon"}
    assert "exactly one auth method" in messages(entity("amazon-bedrock", base))[0]
    assert (
        "exactly one auth method"
        in messages(
            entity("amazon-bedrock", {**base, "instance_profile_arn": "arn", "uc_service_credential_name": "c"})
        )[0]
    )
    assert messages(entity("amazon-bedrock", {**base, "instance_profile_arn": "arn"})) == []
    assert "aws_secret_access_key" in messages(entity("amazon-bedrock", {**base, "aws_access_key_id": REF}))[0]


def test_provider_block_mismatch_and_task_matrix():
    config = entity("openai", {"openai_api_key": REF})
    config["served_entities"][0]["external_model"]["anthropic_config"] = {"anthropic_api_key": REF}
    assert "anthropic_config not allowed for provider 'openai'" in messages(config)[0]
    no_block = entity("cohere", {"cohere_api_key": REF})
    del no_block["served_entities"][0]["external_model"]["cohere_config"]
    assert "cohere_config is required" in messages(no_block)[0]
    assert (
        "not supported by provider 'ai21labs'"
        in messages(entity("ai21labs", {"ai21labs_api_key": REF}, task="llm/v1/chat"))[0]
    )
    assert (
        "not supported by provider 'anthropic'"
        in messages(entity("anthropic", {"anthropic_api_key": REF}, task="llm/v1/embeddings"))[0]
    )


def test_unknown_provider_task_and_field_are_named():
    config = entity("openai", {"openai_api_key": REF, "api_key": "x"}, task="llm/v2/chat")
    config["served_entities"][0]["external_model"]["provider"] = "azure-openai"
    got = messages(config)
    assert any(m.startswith("served_entities[0].external_model.provider: unknown value 'azure-openai'") for m in got)
    assert any(m.startswith("served_entities[0].external_model.task: unknown value 'llm/v2/chat'") for m in got)
    assert "served_entities[0].external_model.openai_config.api_key: unknown field" in got


def test_the_task_type_spells_the_task_names_used_everywhere_else():
    assert TASKS == (COMPLETIONS, CHAT, EMBEDDINGS)
