"""``pulumi-serving new``: a scaffolded infra repo's dev stack goes up, previews with no changes and is destroyed
against the local serving API (named by DATABRICKS_HOST / DATABRICKS_TOKEN, as CI names a workspace), through the
real Pulumi CLI, with Pulumi.yaml naming the virtualenv and holding the declarations the dev stack varies."""

from __future__ import annotations

import subprocess

import pytest

from tests.support.inventory import endpoints_on, scopes_on
from tests.support.pulumi_stack import REPO_ROOT
from tests.support.scaffold import scaffolded_project

pytestmark = pytest.mark.e2e

OPENAI_KEY = "sk-template-7c1d"


def test_scaffolded_project_up_preview_destroy(pulumi_stack_factory, inprocess_live_server, tmp_path):
    project = scaffolded_project(tmp_path / "infra")
    stack = pulumi_stack_factory(
        project,
        stack="dev",
        secrets={"serving:openai_api_key": OPENAI_KEY},
        env={"DATABRICKS_HOST": inprocess_live_server.url, "DATABRICKS_TOKEN": inprocess_live_server.admin_token},
    )
    # The scaffolded dev stack is valid once its secure values are set.
    validate = subprocess.run(
        [
            str(REPO_ROOT / ".venv" / "bin" / "pulumi-serving"),
            "validate",
            str(stack.workdir / "stacks" / "Pulumi.dev.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    assert validate.returncode == 0, validate.stderr

    up = stack.up()
    assert scopes_on(inprocess_live_server) == ["my_openai_secret_scope"]
    endpoint = endpoints_on(inprocess_live_server)["openai-completions-endpoint"]  # dev keeps the declared names
    assert (
        endpoint["config"]["served_entities"][0]["external_model"]["openai_config"]["openai_api_key"]
        == "{{secrets/my_openai_secret_scope/openai_api_key}}"
    )
    assert endpoint["ai_gateway"]["rate_limits"] == [{"calls": 20, "key": "user", "renewal_period": "minute"}]
    assert OPENAI_KEY not in up.output and OPENAI_KEY not in stack.export_text()

    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert endpoints_on(inprocess_live_server) == {} and scopes_on(inprocess_live_server) == []
