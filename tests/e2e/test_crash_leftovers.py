"""Nothing left behind: when the CLI is killed, the dynamic provider and language host it started exit by
themselves, and a pending create (here the EndpointsReady wait) does not outlive the next successful run."""

from __future__ import annotations

import time

import pytest

from tests.support.crash import alive, repair, run_and_kill
from tests.support.inventory import server_inventory
from tests.support.payloads import create_body, entity
from tests.support.stack_program import declare

pytestmark = pytest.mark.e2e

EXIT_WITHIN_S = 10


def test_killed_cli_leaves_no_process_and_no_pending_operation(program_stack, inprocess_server_factory, pulumi_bin):
    server = inprocess_server_factory(update_delay=4)
    stack = program_stack(server, {"serving:key": "sk-leftover"})
    served = entity(
        "main",
        "openai",
        "gpt-3.5-turbo-instruct",
        "llm/v1/completions",
        openai_api_key_plaintext={"secret": "key"},
    )
    declare(stack, endpoints=[create_body("left-1", served), create_body("left-2", served)])

    run = run_and_kill(
        stack, ("up", "--yes", "--skip-preview"), lambda lines: "waiting for" in lines[-1]
    )  # the EndpointsReady gate is waiting
    assert run.killed, run.output
    providers = {p: c for p, c in run.orphans.items() if "pulumi.dynamic" in c}
    hosts = {p: c for p, c in run.orphans.items() if "pulumi-language-python" in c}  # the host and the program
    assert providers, f"no dynamic provider process was running: {run.orphans}"
    watched = dict(providers)
    if (pulumi_bin / ".langhost-digest").exists():  # our own language host (tools/langhost)
        assert hosts, f"no language host was running: {run.orphans}"
        watched.update(hosts)
    deadline = time.monotonic() + EXIT_WITHIN_S
    while time.monotonic() < deadline and any(alive(p) for p in watched):
        time.sleep(0.2)
    assert not [c for p, c in watched.items() if alive(p)], "processes outlived the killed CLI"

    pending = stack.export()["deployment"].get("pending_operations") or []
    assert any(op["resource"]["type"].endswith(":EndpointsReady") for op in pending), pending
    repair(stack, "up")
    state = stack.export()["deployment"]
    assert not state.get("pending_operations"), state.get("pending_operations")
    assert any(r["type"].endswith(":EndpointsReady") for r in state["resources"])
    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert server_inventory(server) == {"scopes": {}, "endpoints": {}}
