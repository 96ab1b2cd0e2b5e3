"""Any interruption converges: SIGKILL of the Pulumi CLI mid-`up`, then ONE non-interactive `scripts/pulumi.sh up`
(or, with plain `pulumi`, `pulumi-serving recover && pulumi up`) gives exactly the declared objects (no orphans, no
duplicates), while an endpoint someone else created under a declared name still fails the `up` and is left
untouched."""

from __future__ import annotations

import time

import pytest

from pulumi_serving.recovery.file_backend import backend_dir
from tests.support.crash import (
    alive,
    count,
    endpoints_created,
    recover,
    repair,
    run_and_kill,
    run_plain,
    start_plain,
    survivors,
)
from tests.support.inventory import endpoints_on, server_inventory
from tests.support.payloads import create_body, entity, openai_entity
from tests.support.stack_program import declare

pytestmark = pytest.mark.e2e

REF = "{{secrets/crash_keys/openai}}"
NAMES = [f"crash-{i}" for i in range(1, 7)]
KILLED_RUN_EXITS_WITHIN_S = 10
SCOPES = [{"scope": "crash_keys", "secrets": [{"key": "openai", "value_from": "openai_value"}]}]


def _endpoints() -> list[dict]:
    served = entity("main", "openai", "gpt-3.5-turbo-instruct", "llm/v1/completions", openai_api_key=REF)
    return [create_body(name, served, tags=[{"key": "team", "value": "ml"}]) for name in NAMES]


def test_sigkill_after_the_3rd_endpoint_create_then_one_up(program_stack, inprocess_server_factory):
    """Through the wrapper (its repair runs before the `up`); the 1st and the 6th create are killed with plain
    `pulumi` below, and random points of `up`, update and `destroy` by test_chaos.py."""
    server = inprocess_server_factory(update_delay=0)
    stack = program_stack(server, {"serving:openai_value": "sk-crash"})
    declare(stack, scopes=SCOPES, endpoints=_endpoints())
    run = run_and_kill(stack, ("up", "--yes", "--skip-preview"), lambda lines: count(lines, "created endpoint") >= 3)
    assert run.killed, f"the up ended before its 3rd endpoint create:\n{run.output}"
    repaired = repair(stack, "up")
    assert "already exists and this stack did not create it" not in repaired
    assert sorted(endpoints_on(server)) == NAMES, repaired
    assert server_inventory(server) == {
        "scopes": {"crash_keys": ["openai"]},
        "endpoints": {n: [{"key": "team", "value": "ml"}] for n in NAMES},
    }
    state = stack.export()["deployment"]
    assert not state.get("pending_operations"), state.get("pending_operations")
    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert server_inventory(server) == {"scopes": {}, "endpoints": {}}, "orphans after the kill"

    # an endpoint someone else created under a declared name: the up fails and the endpoint is untouched
    with server.client() as api:
        theirs = openai_entity("theirs", {"openai_api_key_plaintext": "sk-theirs"})
        body = create_body("crash-4", theirs, tags=[{"key": "owner", "value": "them"}])
        api.post("/api/2.0/serving-endpoints", json=body).raise_for_status()
        before = api.get("/api/2.0/serving-endpoints/crash-4").json()
    failed = stack.up(check=False)
    assert failed.returncode != 0
    assert "serving endpoint 'crash-4' already exists and this stack did not create it" in failed.output
    with server.client() as api:
        after = api.get("/api/2.0/serving-endpoints/crash-4").json()
    assert (after["config"], after["tags"]) == (before["config"], before["tags"])
    stack.destroy()
    assert sorted(endpoints_on(server)) == ["crash-4"]  # destroy never deletes what this stack did not create


def test_plain_pulumi_killed_at_the_1st_and_6th_create_then_recover_and_one_up(
    program_stack, inprocess_server_factory, pulumi_bin
):
    """Plain ``pulumi`` (no wrapper): each kill is repaired by ``pulumi-serving recover && pulumi up`` (the
    sidecars, emptied after the first kill as a kill while saving leaves them; the dead run's lock; the pending
    creates), and no process of the killed run outlives it by 10 s.
    Each trial declares 6 new endpoint names, so its up also deletes the previous trial's: no destroy between."""
    server = inprocess_server_factory(update_delay=0)
    stack = program_stack(server, {"serving:openai_value": "sk-plain"})
    served = entity("main", "openai", "gpt-3.5-turbo-instruct", "llm/v1/completions", openai_api_key=REF)
    creates_checked = 0
    for trial, nth in enumerate((1, 6)):
        names = [f"plain{trial}-{i}" for i in range(1, 7)]
        declare(stack, scopes=SCOPES, endpoints=[create_body(name, served) for name in names])
        run = run_and_kill(
            stack,
            ("up", "--yes", "--skip-preview"),
            lambda lines, nth=nth: endpoints_created(lines) >= nth,
            start=lambda *args: start_plain(stack, *args),
        )
        assert run.killed, f"the up ended before its endpoint create #{nth}:\n{run.output}"
        assert any("pulumi-language-python-exec" in c for c in run.orphans.values()), (run.orphans, run.output)
        killed_at = time.monotonic()
        left = survivors(run.orphans, KILLED_RUN_EXITS_WITHIN_S)
        assert not left, {p: run.orphans[p] for p in left}
        print(f"kill at create #{nth}: {len(run.orphans)} processes gone {time.monotonic() - killed_at:.2f} s later")

        if trial == 0:  # what a kill while the state was saved leaves (every command, `pulumi cancel` too, fails)
            sidecars = list((backend_dir(stack.env["PULUMI_BACKEND_URL"]) / ".pulumi" / "stacks").rglob("*.json.attrs"))
            assert sidecars, "the file backend wrote no attribute sidecar"
            for sidecar in sidecars:
                sidecar.write_text("")
        # a kill after the display showed the last create may land after the state saved it: nothing pending then
        pending = bool(stack.export()["deployment"].get("pending_operations"))
        recovered = recover(stack)
        assert recovered.returncode == 0, recovered.output
        assert trial or "left empty by an interrupted run" in recovered.stderr, recovered.output
        assert "removed the stack's lock left by a killed run" in recovered.stderr, recovered.output
        assert ("the last run was interrupted" in recovered.stderr) == pending, recovered.output
        creates_checked += "checked interrupted create of ServingEndpoint" in recovered.stderr
        up = run_plain(stack, "up", "--yes", "--skip-preview")
        assert up.returncode == 0, up.output
        assert server_inventory(server) == {"scopes": {"crash_keys": ["openai"]}, "endpoints": {n: [] for n in names}}
        assert run_plain(stack, "preview", "--expect-no-changes").returncode == 0
        assert not stack.export()["deployment"].get("pending_operations")
    assert creates_checked, "no kill met an endpoint create in flight"
    stack.destroy()  # every object the killed runs created is in the state: nothing orphaned
    assert server_inventory(server) == {"scopes": {}, "endpoints": {}}


def test_sigkill_mid_up_then_one_destroy_leaves_the_server_empty(program_stack, inprocess_server_factory):
    server = inprocess_server_factory(update_delay=0)
    stack = program_stack(server, {"serving:openai_value": "sk-crash"})
    declare(stack, scopes=SCOPES, endpoints=_endpoints())
    run = run_and_kill(stack, ("up", "--yes", "--skip-preview"), lambda lines: count(lines, "created endpoint") >= 2)
    assert run.killed, run.output
    assert endpoints_on(server), "the killed run created endpoints"
    repaired = repair(stack, "destroy")  # the pending creates are taken into the state first, then destroyed
    assert "checked interrupted create of ServingEndpoint" in repaired
    assert server_inventory(server) == {"scopes": {}, "endpoints": {}}
    assert not stack.resources() and not stack.export()["deployment"].get("pending_operations")


@pytest.mark.parametrize("kill_after_lines", [2, 6])
def test_sigkill_mid_refresh_then_one_up_converges(program_stack, inprocess_server_factory, kill_after_lines):
    server = inprocess_server_factory(update_delay=0)
    stack = program_stack(server, {"serving:openai_value": "sk-crash"})
    declare(stack, scopes=SCOPES, endpoints=_endpoints()[:3])
    stack.up()
    run = run_and_kill(stack, ("refresh", "--yes", "--skip-preview"), lambda lines: len(lines) >= kill_after_lines)
    assert run.killed, run.output
    providers = [p for p, c in run.orphans.items() if "pulumi.dynamic" in c]
    deadline = time.monotonic() + 10  # even a provider killed before its first call exits with the CLI
    while time.monotonic() < deadline and any(alive(p) for p in providers):
        time.sleep(0.2)
    assert not [p for p in providers if alive(p)], run.orphans
    repair(stack, "up")
    stack.preview(expect_no_changes=True)
    assert sorted(endpoints_on(server)) == NAMES[:3]
    assert not stack.export()["deployment"].get("pending_operations")
    stack.destroy()
    assert server_inventory(server) == {"scopes": {}, "endpoints": {}}
