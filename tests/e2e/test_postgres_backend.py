"""Shared state in PostgreSQL: a real server started by the suite holds the stack's state; a second runner (its
own checkout and PULUMI_HOME) sees it; two `up`s of the same stack at once never both apply, neither corrupts the
state, and the next run converges; with PULUMI_SERVING_LOCK_WAIT an up started while another is mid-apply waits
for it (its repair step leaves the live run's lock and state alone) and both succeed, and an up gets past another
run's lock however the backend's lock check meets it."""

from __future__ import annotations

import base64
import json
import threading

import pytest

from pulumi_serving.recovery.lock_refusal import refused_at_lock
from tests.support.inventory import server_inventory
from tests.support.payloads import create_body, entity
from tests.support.postgres import lock_churn
from tests.support.pulumi_stack import CommandResult, PulumiStack
from tests.support.stack_program import declare

pytestmark = pytest.mark.e2e

SCOPES = [{"scope": "pg_keys", "secrets": [{"key": "openai", "value_from": "openai_value"}]}]


def _endpoints(*names: str) -> list[dict]:
    served = entity(
        "main",
        "openai",
        "gpt-3.5-turbo-instruct",
        "llm/v1/completions",
        openai_api_key="{{secrets/pg_keys/openai}}",
    )
    return [create_body(name, served) for name in names]


def _stored(row: str) -> str:
    """A state blob as the PostgreSQL backend stores it: ``{"data": <base64 of the checkpoint JSON>}``."""
    return base64.b64decode(json.loads(row)["data"]).decode()


def _stack(program_stack, server, postgres_server, table: str, env: dict[str, str] | None = None):
    stack = program_stack(
        server, {"serving:openai_value": "sk-pg"}, backend_url=postgres_server.backend_url(table), env=env
    )
    declare(stack, scopes=SCOPES, endpoints=_endpoints("pg-a", "pg-b"))
    return stack


def test_up_preview_destroy_with_state_in_postgres(program_stack, inprocess_server_factory, postgres_server, tmp_path):
    server = inprocess_server_factory(update_delay=0)
    stack = _stack(program_stack, server, postgres_server, "state_cycle")
    stack.up()
    stack.preview(expect_no_changes=True)
    keys = postgres_server.query("SELECT key FROM state_cycle ORDER BY key")
    assert any(key.endswith("stacks/serving/test.json") for key in keys), keys
    [row] = postgres_server.query("SELECT data FROM state_cycle WHERE key LIKE '%stacks/serving/test.json'")
    raw = _stored(row)
    stored = {r["urn"].rsplit("::", 1)[-1] for r in json.loads(raw)["checkpoint"]["latest"]["resources"]}
    assert {"pg_keys", "pg-a", "pg-b", "endpoints-ready"} <= stored
    assert "sk-pg" not in raw and server.admin_token not in raw  # secrets stay encrypted in the shared state

    other = stack.another_runner(tmp_path / "runner-2")  # another machine: only the backend URL in common
    other.preview(expect_no_changes=True)
    other.destroy()
    assert server_inventory(server) == {"scopes": {}, "endpoints": {}}
    stack.refresh(expect_no_changes=True)  # the first runner sees the destroy made by the second


def _ups_at_once(*stacks: PulumiStack) -> list[CommandResult]:
    """``up`` of each stack, all started at the same instant; their results in order."""
    results: dict[int, CommandResult] = {}
    go = threading.Barrier(len(stacks))

    def run(index: int, stack: PulumiStack) -> None:
        go.wait()
        results[index] = stack.up(check=False)

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(stacks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [results[i] for i in range(len(stacks))]


def test_two_ups_of_one_stack_at_once(program_stack, inprocess_server_factory, postgres_server, tmp_path):
    server = inprocess_server_factory(update_delay=0)
    first = _stack(program_stack, server, postgres_server, "state_race")
    second = first.another_runner(tmp_path / "runner-2")
    outcomes = _ups_at_once(first, second)
    failed = [r for r in outcomes if r.returncode != 0]
    assert len(failed) >= 1, "both ups of one stack ran at once"
    for result in failed:  # refused at the lock (plainly, or by the backend's listing race), not half-applied
        ours = [line for line in result.stderr.splitlines() if line.startswith("pulumi-serving:")]
        assert all("nothing was changed" in line for line in ours), result.output  # the repair step left it alone
        pulumi_said = "\n".join(line for line in result.stderr.splitlines() if line not in ours)
        assert refused_at_lock(pulumi_said), result.output

    converged = second.up()  # the next run (with the repair) converges, whichever runner it is
    assert "error" not in converged.stdout.lower()
    first.preview(expect_no_changes=True)
    state = first.export()["deployment"]
    assert not state.get("pending_operations")
    assert server_inventory(server) == {"scopes": {"pg_keys": ["openai"]}, "endpoints": {"pg-a": [], "pg-b": []}}
    first.destroy()
    assert server_inventory(server) == {"scopes": {}, "endpoints": {}}


def test_with_a_lock_wait_an_up_started_mid_apply_waits_for_the_live_run(
    program_stack, inprocess_server_factory, postgres_server, tmp_path
):
    """The second up starts while the first waits for its endpoints (a pending create in the shared state): its
    repair step sees a live run's lock, changes nothing and never proposes `pulumi cancel`; the up waits for the
    lock, then succeeds."""
    server = inprocess_server_factory(update_delay=4)
    first = _stack(program_stack, server, postgres_server, "state_queue", env={"PULUMI_SERVING_LOCK_WAIT": "180"})
    second = first.another_runner(tmp_path / "runner-2")
    live = first.start("up", "--yes", "--skip-preview")
    assert live.stdout is not None
    lines: list[str] = []
    for line in live.stdout:
        lines.append(line)
        if "waiting for" in line:
            break
    drain = threading.Thread(target=lambda: lines.extend(live.stdout or ()))  # the first run never blocks on a pipe
    drain.start()
    state = second.export()["deployment"]
    assert state.get("pending_operations"), "the first up is not mid-apply: " + "".join(lines)
    waited = second.up(check=False)
    assert live.wait() == 0, "".join(lines)
    drain.join()
    assert waited.returncode == 0, waited.output
    assert "the stack is locked by a run still going on" in waited.stderr, waited.output
    assert "another run holds the stack's lock; trying again" in waited.stderr, waited.output
    ours = [line for line in waited.stderr.splitlines() if line.startswith("pulumi-serving:")]
    assert not [line for line in ours if "pulumi cancel" in line or "could not write" in line], ours
    first.preview(expect_no_changes=True)
    assert not first.export()["deployment"].get("pending_operations")
    assert server_inventory(server) == {"scopes": {"pg_keys": ["openai"]}, "endpoints": {"pg-a": [], "pg-b": []}}


def test_with_a_lock_wait_an_up_gets_past_locks_that_come_and_go(
    program_stack, inprocess_server_factory, postgres_server
):
    """Another run's lock, held, then taken and dropped as fast as PostgreSQL commits: the lock check meets every
    face of the collision (locked; a lock listed, then gone; a lock read, then gone), and the up retries each."""
    server = inprocess_server_factory(update_delay=0)
    stack = _stack(program_stack, server, postgres_server, "state_churn", env={"PULUMI_SERVING_LOCK_WAIT": "120"})
    with lock_churn(postgres_server, "state_churn", "serving/test", held_for=10, churn_for=20):
        result = stack.up(check=False)
    assert result.returncode == 0, result.output
    assert "another run holds the stack's lock; trying again" in result.stderr, result.output
    stack.preview(expect_no_changes=True)
    assert server_inventory(server) == {"scopes": {"pg_keys": ["openai"]}, "endpoints": {"pg-a": [], "pg-b": []}}


def test_a_lock_wait_that_runs_out_applies_nothing_and_says_what_to_do(
    program_stack, inprocess_server_factory, postgres_server
):
    server = inprocess_server_factory(update_delay=0)
    stack = _stack(program_stack, server, postgres_server, "state_held", env={"PULUMI_SERVING_LOCK_WAIT": "3"})
    with lock_churn(postgres_server, "state_held", "serving/test", held_for=60, churn_for=0):
        result = stack.up(check=False)
    assert result.returncode != 0
    assert "the stack's lock was still taken after PULUMI_SERVING_LOCK_WAIT=3s; nothing was applied" in result.stderr
    assert "`pulumi-serving recover` removes a lock whose run was killed on this host" in result.stderr
    assert server_inventory(server) == {"scopes": {}, "endpoints": {}}
