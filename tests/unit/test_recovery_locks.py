"""Stack locks: their two written forms, and when a holder is provably dead (only then may recover remove one)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import pytest

from pulumi_serving.recovery.locks import (
    Liveness,
    LockHolder,
    liveness,
    parse_lock_file,
    parse_lock_refusal,
    parse_time,
    probe_process,
    this_host,
)
from pulumi_serving.recovery.runner import held_by_live_run

TAKEN = datetime(2026, 12, 7, 6, 40, 1, 123456, UTC)
URL = "postgres://****:****@127.0.0.1:49017/postgres/.pulumi/locks/organization/serving/test/746c.json"


def _holder(host: str = "runner-1", pid: int = 4242, taken_at: datetime | None = TAKEN) -> LockHolder:
    return LockHolder("lock.json", "ci", host, pid, taken_at)


def test_a_lock_file_as_pulumi_writes_it() -> None:
    text = json.dumps(
        {"pid": 4242, "username": "ci", "hostname": "runner-1", "timestamp": "2026-12-07T06:40:01.123456789Z"}
    )
    assert parse_lock_file(text, "lock.json") == _holder()
    assert parse_lock_file("", "lock.json") is None  # half-written: unreadable, never taken as dead
    assert parse_lock_file('{"pid": "x"}', "lock.json") is None


def test_the_holders_a_lock_refusal_names() -> None:
    refusal = (
        "error: the stack is currently locked by 2 lock(s). Either wait for the other process(es) to end or "
        f"delete the lock file with `pulumi cancel`.\n  {URL}: created by root@vm (pid 14017) at 2026-11-29T04:53:21Z\n"
        f"  {URL}: created by a@b@runner-2 (pid 7) at 2026-11-29T04:53:22+01:00\n"
    )
    first, second = parse_lock_refusal(refusal)
    assert (first.where, first.username, first.hostname, first.pid) == (URL, "root", "vm", 14017)
    assert first.taken_at == datetime(2026, 11, 29, 4, 53, 21, tzinfo=UTC)
    assert (second.username, second.hostname, second.taken_at.hour) == ("a@b", "runner-2", 3)
    assert parse_lock_refusal("error: update failed") == []
    assert parse_time("yesterday") is None


@pytest.mark.parametrize(
    ("holder", "process", "expected"),
    [
        (_holder(host="runner-2"), None, Liveness.ELSEWHERE),  # another host: may be alive, never removed
        (_holder(), None, Liveness.DEAD),  # no such pid on this host
        (_holder(), (TAKEN - timedelta(seconds=3), True), Liveness.DEAD),  # a zombie: killed, not yet reaped
        (_holder(), (TAKEN + timedelta(minutes=5), False), Liveness.DEAD),  # the pid was reused since
        (_holder(), (TAKEN - timedelta(seconds=3), False), Liveness.ALIVE),  # the run is going on
        (_holder(), (TAKEN + timedelta(seconds=1), False), Liveness.ALIVE),  # within the clocks' resolution
        (_holder(taken_at=None), (TAKEN, False), Liveness.ALIVE),  # no timestamp: a running pid may be it
    ],
)
def test_a_holder_is_dead_only_when_that_is_proven_on_this_host(holder, process, expected) -> None:
    assert liveness(holder, "runner-1", lambda pid: process) is expected


def test_the_process_probe_on_this_host() -> None:
    started, zombie = probe_process(os.getpid())
    assert not zombie and started is not None and started <= datetime.now(UTC)
    assert probe_process(2**22 + 17) is None  # above the kernel's pid_max


def test_recover_leaves_a_live_holder_alone_and_never_proposes_cancel_for_it() -> None:
    said: list[str] = []
    here = this_host()
    running = LockHolder("l.json", "ci", here, os.getpid(), datetime.now(UTC))
    assert held_by_live_run([running], said.append)
    assert "still going on" in said[0] and "pulumi cancel" not in said[0]

    said.clear()
    elsewhere = LockHolder("l.json", "ci", here + "-other", 7, TAKEN)
    assert held_by_live_run([elsewhere], said.append)  # cannot be checked from here: only after making sure
    assert f"make sure pid 7 is gone on {here}-other, then run `pulumi cancel --yes`" in said[0]

    said.clear()
    gone = LockHolder("l.json", "ci", here, 2**22 + 17, TAKEN)
    assert not held_by_live_run([gone], said.append) and not said
    assert held_by_live_run([None], said.append)  # an unreadable lock: a run may be writing it


def _fake_pulumi(tmp_path, refusals: list[str]) -> tuple[str, object]:
    """A `pulumi` answering the lock probe (`stack rename`) with ``refusals`` in turn ("" once the lock is free),
    and recording every `cancel`."""
    for index, refusal in enumerate(refusals):
        (tmp_path / f"refusal-{index}").write_text(refusal)
    script = tmp_path / "pulumi"
    script.write_text(
        "#!/bin/sh\n"
        f'cd "{tmp_path}"\n'
        'case "$1 $2" in\n'
        '  "stack --show-name") echo organization/serving/test ;;\n'
        '  "stack rename") n=$(cat probes 2>/dev/null || echo 0); echo $((n + 1)) > probes\n'
        '    [ -s "refusal-$n" ] && { cat "refusal-$n" >&2; exit 255; }; echo "already exists" >&2; exit 255 ;;\n'
        '  "cancel --yes") echo cancel >> cancels ;;\n'
        "esac\n"
    )
    script.chmod(0o755)
    return str(script), lambda: (tmp_path / "cancels").exists()


def _refusal(where: str, pid: int) -> str:
    return (
        "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete "
        f"the lock file with `pulumi cancel`.\n  {where}: created by root@{this_host()} (pid {pid}) at "
        f"{datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
    )


def test_a_dead_holders_lock_is_cancelled_only_when_a_second_probe_meets_the_same_lock(tmp_path) -> None:
    from pulumi_serving.recovery.runner import clear_locks

    dead, live = 2**22 + 17, os.getpid()
    cases = [  # (what the probes meet in turn, cancelled, recover's verdict)
        ([_refusal(URL, dead), _refusal(URL, dead)], True, True),  # a killed run's lock, still there
        ([_refusal(URL, dead), ""], False, True),  # another runner's probe: gone by the second look
        ([_refusal(URL, dead), _refusal(URL + "-2", live)], False, False),  # a run took the lock meanwhile
        ([_refusal(URL, live)], False, False),  # a live run: left alone at once
    ]
    for index, (refusals, cancelled, cleared) in enumerate(cases):
        workdir = tmp_path / str(index)
        workdir.mkdir()
        pulumi, cancels = _fake_pulumi(workdir, refusals)
        said: list[str] = []
        assert clear_locks(pulumi, (), "postgres://db/state", said.append) is cleared, (index, said)
        assert cancels() is cancelled, (index, said)
        assert all("nothing was changed" in line for line in said) or cancelled, (index, said)
