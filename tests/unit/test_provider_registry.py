"""The provider registry is complete: every module's facts agree with its config model, the gateway's adapters,
the fake upstream's modules and docs/providers.md's table; the tables read from it say what its modules say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pulumi_serving.fake_upstream import app as fake_app
from pulumi_serving.payloads.external_models import PROVIDERS, ExternalModel
from pulumi_serving.payloads.providers import REGISTRY, Target
from pulumi_serving.payloads.providers.provider import ALL_TASKS
from pulumi_serving.server.gateway.providers import ADAPTERS
from pulumi_serving.server.gateway.upstream.bases import DEFAULT_BASES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "providers.md"
PROVIDER_NAMES = sorted(REGISTRY)


def _fields(model: type, path: str) -> set[str]:
    for part in path.split(".")[1:]:
        model = model.model_fields[part].annotation.__args__[0]  # type: ignore[attr-defined]
    return set(model.model_fields)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", PROVIDER_NAMES)
def test_a_module_s_fields_are_its_config_model_s(name):
    provider = REGISTRY[name]
    config = set(provider.config.model_fields)
    for pair in provider.credentials:
        assert pair.block.split(".")[0] == provider.block
        assert {pair.field, pair.plaintext_field} <= _fields(provider.config, pair.block)
    assert set(provider.url_fields) <= config
    assert provider.region_field in config | {""}
    assert provider.tasks and provider.tasks <= ALL_TASKS
    assert ExternalModel.model_fields[provider.block].annotation == provider.config | None


def test_the_external_model_has_one_block_field_per_provider_in_registry_order():
    assert tuple(REGISTRY) == PROVIDERS
    assert list(ExternalModel.model_fields) == ["provider", "name", "task", *(p.block for p in REGISTRY.values())]


def test_every_adapter_is_named_by_one_provider_under_its_own_name():
    named = [adapter for provider in REGISTRY.values() for adapter in provider.adapters]
    assert len(named) == len(set(named)) == len(ADAPTERS) == 10
    assert all(adapter.name == name for name, adapter in ADAPTERS.items())


def test_a_planned_target_uses_one_of_its_provider_s_adapters():
    bases = {**DEFAULT_BASES, "databricks-model-serving": ""}
    blocks = {
        "openai": {"openai_api_key": "k"},
        "anthropic": {"anthropic_api_key": "k"},
        "cohere": {"cohere_api_key": "k"},
        "amazon-bedrock": {"aws_region": "eu-west-1", "aws_access_key_id": "i", "aws_secret_access_key": "s"},
        "google-cloud-vertex-ai": {"project_id": "p", "region": "us-central1", "private_key": "{}"},
        "ai21labs": {"ai21labs_api_key": "k"},
        "palm": {"palm_api_key": "k"},
        "databricks-model-serving": {"databricks_workspace_url": "https://w", "databricks_api_token": "t"},
        "custom": {"custom_provider_url": "https://c", "bearer_token_auth": {"token": "t"}},
    }
    assert set(blocks) == set(REGISTRY)
    for name, block in blocks.items():
        plan = REGISTRY[name].target("e", "m", block, bases)
        assert isinstance(plan, Target) and plan.adapter in REGISTRY[name].adapters
        assert plan.base_url.startswith(("https://", "http://")), (name, plan.base_url)


def test_the_fake_upstream_serves_every_provider_from_its_named_modules():
    modules = {module.__name__.rsplit(".", 1)[1] for module in fake_app.WIRE_MODULES}
    assert {fake for provider in REGISTRY.values() for fake in provider.fakes} <= modules
    for provider in REGISTRY.values():
        if provider.name != "custom":  # the custom provider speaks OpenAI's wire at its own URL
            assert provider.name in fake_app.PATHS
        assert set(provider.token_bases) <= set(fake_app.PATHS)


def _docs_rows() -> dict[str, list[str]]:
    rows = {}
    for line in DOCS.read_text().split("## Adding a provider")[0].splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        found = re.match(r"`([\w-]+)`", cells[0])
        if line.startswith("| `") and found:
            rows[found.group(1)] = cells
    return rows


def test_the_docs_provider_table_names_every_provider_with_its_base_and_tasks():
    rows = _docs_rows()
    assert set(rows) == set(REGISTRY)
    short = {"llm/v1/completions": "completions", "llm/v1/chat": "chat", "llm/v1/embeddings": "embeddings"}
    for name, (_, base, _, tasks, _) in rows.items():
        provider = REGISTRY[name]
        assert base == f"`{provider.default_base or provider.url_fields[0]}`", name
        listed = "all" if provider.tasks == ALL_TASKS else ", ".join(t for k, t in short.items() if k in provider.tasks)
        assert tasks.split(" (")[0] == listed, name


def test_the_api_docs_name_each_provider_s_block_and_credentials():
    text = (DOCS.parent / "databricks-api.md").read_text().split("## External models", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([\w-]+)` \| `(\w+)` \| (.*) \|$", text, re.MULTILINE)
    assert [(name, block) for name, block, _ in rows] == [(p.name, p.block) for p in REGISTRY.values()]
    for name, _, fields in rows:
        for pair in REGISTRY[name].credentials:
            assert pair.field in fields, (name, pair)
