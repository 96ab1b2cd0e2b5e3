"""The policy pack ``pulumi-serving new`` scaffolds, run by the real CLI: ``pulumi preview --policy-pack policy``
through the project's own language host (tools/langhost), against the local serving API."""

from __future__ import annotations

import pytest
import yaml

from tests.support.pulumi_stack import PulumiStack
from tests.support.scaffold import scaffolded_project

pytestmark = pytest.mark.e2e

OPENAI_KEY = "sk-policy-5e2a"
ENDPOINT = "openai-completions-endpoint"


def policy_preview(stack: PulumiStack, *extra: str):
    return stack.preview("--policy-pack", "policy", *extra, check=False)


def test_a_scaffolded_project_s_policy_pack_gates_its_previews(pulumi_stack_factory, inprocess_live_server, tmp_path):
    project = scaffolded_project(tmp_path / "infra", "--dev-host", inprocess_live_server.url)
    stack = pulumi_stack_factory(
        project,
        stack="dev",
        secrets={"serving:token": inprocess_live_server.admin_token, "serving:openai_api_key": OPENAI_KEY},
    )
    # The endpoint is declared in Pulumi.yaml (every stack shares it); here without its team tag, so the advisory
    # required-tags rule has something to warn about.
    stack_file = stack.workdir / "Pulumi.yaml"
    declared = yaml.safe_load(stack_file.read_text())
    del declared["config"]["serving:endpoints"][0]["tags"]
    stack_file.write_text(yaml.safe_dump(declared))

    # An endpoint without rate limits fails the preview: the mandatory rule names itself and the endpoint.
    unlimited = yaml.safe_load(stack_file.read_text())
    del unlimited["config"]["serving:endpoints"][0]["rate_limits"]
    stack_file.write_text(yaml.safe_dump(unlimited))
    failed = policy_preview(stack)
    assert failed.returncode != 0, failed.output
    assert "[mandatory]  external-model-rate-limits" in failed.output
    assert f"ServingEndpoint '{ENDPOINT}' serves the external model openai/gpt-3.5-turbo-instruct" in failed.output
    assert OPENAI_KEY not in failed.output

    # A plaintext credential (a secure config value sent as openai_api_key_plaintext) fails, its value never shown.
    plaintext = yaml.safe_load(stack_file.read_text())
    credentials = plaintext["config"]["serving:endpoints"][0]["config"]["served_entities"][0]["external_model"]
    credentials["openai_config"] = {"openai_api_key_plaintext": {"secret": "openai_api_key"}}
    stack_file.write_text(yaml.safe_dump(plaintext))
    leaky = policy_preview(stack)
    assert leaky.returncode != 0 and "[mandatory]  no-plaintext-credentials" in leaky.output, leaky.output
    assert "external_model.openai_config.openai_api_key_plaintext" in leaky.output
    assert OPENAI_KEY not in leaky.output

    # With its rate limits it passes; the advisory rule (the dev endpoint has no team tag) only warns.
    stack_file.write_text(yaml.safe_dump(declared))
    passed = policy_preview(stack)
    assert passed.returncode == 0, passed.output
    assert "external-model-rate-limits" not in passed.output
    assert "[advisory]  required-tags" in passed.output and f"'{ENDPOINT}' has no 'team' tag" in passed.output

    # Once applied, still compliant with nothing to change.
    stack.up("--policy-pack", "policy")
    applied = policy_preview(stack, "--expect-no-changes")
    assert applied.returncode == 0, applied.output
    assert "[mandatory]" not in applied.output and "[advisory]  required-tags" in applied.output

    # Dropping the applied endpoint's rate limits fails again: the unchanged endpoint is read from the state.
    stack_file.write_text(yaml.safe_dump(unlimited))
    dropped = policy_preview(stack)
    assert dropped.returncode != 0 and "[mandatory]  external-model-rate-limits" in dropped.output, dropped.output
    stack_file.write_text(yaml.safe_dump(declared))

    # A --policy-pack-config file overrides the pack's own levels: the advisory rule turned mandatory fails.
    strict = stack.root / "strict.json"
    strict.write_text('{"required-tags": {"enforcementLevel": "mandatory", "tags": ["team"]}}')
    refused = policy_preview(stack, "--policy-pack-config", str(strict))
    assert refused.returncode != 0 and "[mandatory]  required-tags" in refused.output, refused.output
