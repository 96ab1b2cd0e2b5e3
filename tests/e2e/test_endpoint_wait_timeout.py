"""A Python program's ServingEndpoint (wait=True) whose create outlives wait_timeout: the first `up` fails
naming the endpoint and the next step, yet the endpoint is in state; the next `up` converges; destroy
leaves the server empty (nothing orphaned)."""

from __future__ import annotations

import pytest

from tests.support.inventory import endpoints_on
from tests.support.pulumi_stack import python_program

pytestmark = pytest.mark.e2e

KEY = "sk-wait-timeout-71c3"
PROGRAM = """
import pulumi
from pulumi_serving.resources import ServingEndpoint

config = pulumi.Config()
endpoint = ServingEndpoint(
    "slow", endpoint_name="slow-endpoint", wait_timeout=float(config.require("waitTimeout")),
    config={"served_entities": [{"name": "main", "external_model": {
        "name": "gpt-3.5-turbo-instruct", "provider": "openai", "task": "llm/v1/completions",
        "openai_config": {"openai_api_key_plaintext": config.require_secret("openaiKey")}}}]})
pulumi.export("state", endpoint.state)
"""


def test_create_outliving_wait_timeout_stays_in_state_and_resumes(
    pulumi_stack_factory, inprocess_server_factory, tmp_path
):
    server = inprocess_server_factory(update_delay=4)
    stack = pulumi_stack_factory(
        python_program(tmp_path, "wait-program", PROGRAM),
        config={"serving:host": server.url, "waitTimeout": "0.5"},
        secrets={"serving:token": server.admin_token, "openaiKey": KEY},
    )
    failed = stack.up(check=False)
    assert failed.returncode != 0
    assert "ServingEndpoint 'slow-endpoint' is in the stack's state" in failed.output, failed.output
    assert "Run `pulumi up` again to resume waiting" in failed.output
    assert [r["id"] for r in stack.resources() if r["type"].endswith(":ServingEndpoint")] == ["slow-endpoint"]

    stack.set_config({"waitTimeout": "60"})
    resumed = stack.up()
    assert endpoints_on(server)["slow-endpoint"]["state"]["config_update"] == "NOT_UPDATING"
    assert endpoints_on(server)["slow-endpoint"]["config"]["config_version"] == 1  # waited, nothing re-sent
    assert stack.outputs()["state"]["config_update"] == "NOT_UPDATING"
    stack.preview(expect_no_changes=True)
    for text in (failed.output, resumed.output, stack.export_text()):
        assert KEY not in text and server.admin_token not in text
    stack.destroy()
    assert endpoints_on(server) == {}
