"""Environments from one declaration, through the real CLI: the scaffolded project's dev, staging and prod stacks share
Pulumi.yaml's declarations and preview their own endpoint names, rate limits and grants against the local serving API
(which the stack files do not name: DATABRICKS_HOST / DATABRICKS_TOKEN, as the CI passes them)."""

from __future__ import annotations

import pytest

from tests.support.scaffold import scaffolded_project

pytestmark = pytest.mark.e2e

OPENAI_KEY = "sk-environments-5b2e"
BASE = "openai-completions-endpoint"
PLATFORM = {"group_name": "ml-platform", "permission_level": "CAN_MANAGE"}
EXPECTED = {
    "dev": (
        BASE,
        [{"calls": 20, "key": "user", "renewal_period": "minute"}],
        [PLATFORM, {"group_name": "ml-developers", "permission_level": "CAN_MANAGE"}],
    ),
    "staging": (
        f"{BASE}-staging",
        [{"calls": 50, "key": "user", "renewal_period": "minute"}],
        [PLATFORM, {"group_name": "ml-developers", "permission_level": "CAN_QUERY"}],
    ),
    "prod": (
        f"{BASE}-prod",
        [
            {"calls": 100, "key": "user", "renewal_period": "minute"},
            {"calls": 1000, "key": "endpoint", "renewal_period": "minute"},
        ],
        [PLATFORM, {"group_name": "ml-apps", "permission_level": "CAN_QUERY"}],
    ),
}


def planned_inputs(plan: dict) -> dict[str, dict]:
    """The inputs of every resource the preview creates, by resource name."""
    return {
        step["urn"].rsplit("::", 1)[-1]: step["newState"].get("inputs", {})
        for step in plan["steps"]
        if step["op"] == "create"
    }


def test_dev_staging_and_prod_preview_their_own_names_limits_and_grants(
    pulumi_stack_factory, inprocess_live_server, tmp_path
):
    project = scaffolded_project(tmp_path / "infra")
    api = {"DATABRICKS_HOST": inprocess_live_server.url, "DATABRICKS_TOKEN": inprocess_live_server.admin_token}
    for name, (endpoint_name, limits, grants) in EXPECTED.items():
        stack = pulumi_stack_factory(project, stack=name, secrets={"serving:openai_api_key": OPENAI_KEY}, env=api)
        inputs = planned_inputs(stack.preview_json())
        # Resources keep the declared name in every stack; the endpoint they plan is the stack's.
        assert inputs[BASE]["endpoint_name"] == endpoint_name, name
        assert inputs[f"{BASE}/rate-limits"]["rate_limits"] == limits, name
        assert inputs[f"{BASE}/permissions"]["access_control_list"] == grants, name
        assert inputs["my_openai_secret_scope"]["scope"] == "my_openai_secret_scope"
    # A bad override fails the preview naming the override's path in the stack file (checked once merged).
    stack.set_config_value(
        "serving:endpoint_overrides",
        '{"openai-completions-endpoint": {"rate_limits": [{"calls": -1, "key": "user", "renewal_period": "minute"}]}}',
    )
    refused = stack.preview(check=False)
    assert refused.returncode != 0
    assert "config.serving:endpoint_overrides.openai-completions-endpoint.rate_limits[0].calls" in refused.output
