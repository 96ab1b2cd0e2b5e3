"""A renamed endpoint (same resource, new ``endpoint_name``: a replacement that creates the new endpoint before
deleting the old) whose `up` is killed once the new endpoint exists: one `destroy`, or one `up`, through the
wrapper leaves exactly what is declared, with no orphan under either name."""

from __future__ import annotations

import pytest

from tests.support.crash import repair, run_and_kill
from tests.support.inventory import endpoints_on
from tests.support.pulumi_stack import python_program

pytestmark = pytest.mark.e2e

PROGRAM = """
import pulumi
from pulumi_serving.resources import ServingEndpoint

config = pulumi.Config()
ServingEndpoint(
    "chat", endpoint_name=config.require("name"), wait=False,
    config={"served_entities": [{"name": "main", "external_model": {
        "name": "gpt-3.5-turbo-instruct", "provider": "openai", "task": "llm/v1/completions",
        "openai_config": {"openai_api_key_plaintext": config.require_secret("openaiKey")}}}]})
"""


KILL_POINTS = {
    "new endpoint created": lambda lines: "created endpoint 'ren-new'" in lines[-1],
    "replacement started": lambda lines: "creating replacement" in lines[-1],
}


#: A kill before the new endpoint's create leaves nothing new: `destroy` then is the destroy after any killed update
#: (test_crash_recovery.py); `up` resumes the replacement.
CASES = [("destroy", "new endpoint created"), ("up", "new endpoint created"), ("up", "replacement started")]


@pytest.mark.parametrize(("then", "kill_at"), CASES)
def test_rename_killed_mid_replacement_converges_in_one_run(
    then, kill_at, pulumi_stack_factory, inprocess_server_factory, tmp_path
):
    server = inprocess_server_factory(update_delay=0)
    stack = pulumi_stack_factory(
        python_program(tmp_path, "rename-program", PROGRAM),
        config={"serving:host": server.url, "name": "ren-old"},
        secrets={"serving:token": server.admin_token, "openaiKey": "sk-rename"},
    )
    stack.up()
    stack.set_config({"name": "ren-new"})
    run = run_and_kill(stack, ("up", "--yes", "--skip-preview"), KILL_POINTS[kill_at])
    assert run.killed, f"the rename ended before the kill point:\n{run.output}"

    repaired = repair(stack, then)
    endpoints = [r for r in stack.resources() if r["type"].endswith(":ServingEndpoint")]
    assert not stack.export()["deployment"].get("pending_operations")
    if then == "destroy":
        assert sorted(endpoints_on(server)) == [], f"orphaned by the killed rename:\n{repaired}"
        assert endpoints == []
        return
    assert sorted(endpoints_on(server)) == ["ren-new"], repaired
    assert [(r["id"], bool(r.get("delete"))) for r in endpoints] == [("ren-new", False)]
    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert sorted(endpoints_on(server)) == []
