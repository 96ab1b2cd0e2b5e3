"""Which failed runs scripts/pulumi.sh retries under PULUMI_SERVING_LOCK_WAIT: only those stopped at the stack lock."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_serving.recovery.lock_refusal import refused_at_lock

LOCK_URL = "postgres://****:****@127.0.0.1:49017/postgres/.pulumi/locks/organization/serving/test/746c.json"

REFUSED = {
    "locked": "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or "
    f"delete the lock file with `pulumi cancel`.\n  {LOCK_URL}: created by root@vm (pid 14017) at 2026-11-29T04:53:21Z\n",
    # PostgreSQL backend: a lock row deleted between the listing and its metadata query
    "lock listed, then gone": "error: could not list bucket: blob (code=NotFound): sql: no rows in result set\n",
    # PostgreSQL backend: a lock row deleted between the listing and the read of its content
    "lock read, gone": "error: 2 errors occurred:\n    1) key not found: sql: no rows in result set\n    2) NotFound\n",
}

NOT_REFUSED = {
    "provider error": "error: ServingEndpoint pg-a: RESOURCE_DOES_NOT_EXIST: endpoint 'pg-a' does not exist",
    "bad passphrase": 'error: constructing secrets manager of type "passphrase": incorrect passphrase',
    "update failed": "error: update failed",
    # the same storage error, but the engine had run: not a refusal at the lock
    "after steps": "pulumi-serving: ServingEndpoint pg-a: -> POST /api/2.0/serving-endpoints\n"
    "error: could not list bucket: blob (code=NotFound): sql: no rows in result set",
    "empty": "",
}


@pytest.mark.parametrize("output", REFUSED.values(), ids=REFUSED.keys())
def test_a_run_stopped_at_the_lock_is_retried(output):
    assert refused_at_lock(output)


@pytest.mark.parametrize("output", NOT_REFUSED.values(), ids=NOT_REFUSED.keys())
def test_any_other_failure_is_not(output):
    assert not refused_at_lock(output)


def test_the_module_answers_the_script_by_exit_code(tmp_path):
    refusal, other = tmp_path / "refusal", tmp_path / "other"
    refusal.write_text(REFUSED["lock listed, then gone"])
    other.write_text(NOT_REFUSED["provider error"])
    run = [sys.executable, "-m", "pulumi_serving.recovery.lock_refusal"]
    assert subprocess.run([*run, str(refusal)]).returncode == 0
    assert subprocess.run([*run, str(other)]).returncode == 1
    assert subprocess.run(run, capture_output=True).returncode == 2


def test_a_lock_wait_that_is_not_whole_seconds_is_refused_before_anything_runs(tmp_path):
    script = Path(__file__).resolve().parents[2] / "scripts" / "pulumi.sh"
    env = {**os.environ, "PULUMI_SERVING_LOCK_WAIT": "2m", "PULUMI_SERVING_PULUMI_BIN": str(tmp_path / "no-cli")}
    done = subprocess.run([str(script), "up", "--yes"], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2
    assert "PULUMI_SERVING_LOCK_WAIT must be a whole number of seconds" in done.stderr and "'2m'" in done.stderr
