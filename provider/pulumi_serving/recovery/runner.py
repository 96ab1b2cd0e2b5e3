"""Apply a recovery with the Pulumi CLI, in the order that works after a kill (``docs/crash-safety.md``):

1. attribute sidecars a kill left empty (every command, ``pulumi cancel`` included, fails on them);
2. the stack's lock, removed only when its holder is provably dead on this host (a live run's lock is never
   touched, and its state never rewritten: recover says what to do and exits ``LOCKED``);
3. pending creates: the stack exported, imported with them resolved, and the recovered resources refreshed so
   each provider keeps only objects carrying this stack's marker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .file_backend import Say, backend_dir, backend_url, may_hold_pending_creates, repair_backend, say_on_stderr
from .lock_refusal import refused_at_lock
from .locks import (
    Liveness,
    LockHolder,
    any_lock_files,
    liveness,
    parse_lock_file,
    parse_lock_refusal,
    probe_process,
    stack_lock_files,
    this_host,
)
from .pending import plan_recovery

#: exit status when another run may hold the stack's lock: nothing was changed (EX_TEMPFAIL); scripts/pulumi.sh
#: goes on to the command, which waits for the lock under PULUMI_SERVING_LOCK_WAIT or is refused as Pulumi does
LOCKED = 75


def _run(pulumi: str, args: Sequence[str], stack_args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [pulumi, *args, *stack_args, "--non-interactive"], capture_output=True, text=True, check=False
    )


def held_by_live_run(holders: Sequence[LockHolder | None], say: Say) -> bool:
    """Say so, with the exact next step, when any holder may still be running (None: an unreadable lock)."""
    host = this_host()
    blocking = [h for h in holders if h is None or liveness(h, host, probe_process) is not Liveness.DEAD]
    for holder in blocking:
        if holder is None:
            say("the stack holds a lock being written or unreadable: a run is starting; nothing was changed")
        elif holder.hostname == host:
            say(
                f"the stack is locked by a run still going on ({holder.describe()}): its creates in flight are not "
                "interrupted, and nothing was changed. Wait for it to end, then run your command (scripts/pulumi.sh "
                "with PULUMI_SERVING_LOCK_WAIT=SECONDS waits by itself)"
            )
        else:
            say(
                f"the stack is locked by {holder.describe()}, another host: recover cannot tell whether that run "
                f"is still going, and changed nothing. If it is, wait for it to end; if it was killed, make sure pid "
                f"{holder.pid} is gone on {holder.hostname}, then run `pulumi cancel --yes` and "
                "`pulumi-serving recover` again"
            )
    return bool(blocking)


def _qualified_name(pulumi: str, stack_args: Sequence[str]) -> str | None:
    named = _run(pulumi, ["stack", "--show-name", "--fully-qualify-stack-names"], stack_args)
    return named.stdout.strip() if named.returncode == 0 and named.stdout.strip() else None


def _lock_refusal(pulumi: str, stack_args: Sequence[str]) -> str | None:
    """The refusal naming the stack lock's holders, None when the lock is free (or no stack is selected: the
    command itself reports that). A probe that changes nothing: renaming the stack to its own name takes the lock
    (refused, naming the holders, when another run has it) and then fails because the name exists
    (docs/crash-safety.md)."""
    name = _qualified_name(pulumi, stack_args)
    if name is None:
        return None
    probe = _run(pulumi, ["stack", "rename", name], stack_args)
    refusal = probe.stderr + probe.stdout
    return refusal if probe.returncode != 0 and refused_at_lock(refusal) else None


def clear_locks(pulumi: str, stack_args: Sequence[str], url: str | None, say: Say) -> bool:
    """Remove the stack's locks whose holders are provably dead; False when one may be alive (none removed)."""
    root = backend_dir(url)
    if root is not None:
        return clear_file_locks(pulumi, stack_args, root, say) if root.is_dir() else True
    refusal = _lock_refusal(pulumi, stack_args)
    return True if refusal is None else clear_refused_locks(pulumi, stack_args, refusal, say)


def clear_refused_locks(pulumi: str, stack_args: Sequence[str], refusal: str, say: Say) -> bool:
    """After a refusal at the lock: `pulumi cancel` when every holder it names is provably dead and a second probe
    meets the same locks. `pulumi cancel` removes every lock of the stack, so a lock that went away meanwhile (the
    short probe of another runner, a run that just ended) must not lead to removing a lock taken since."""
    holders = parse_lock_refusal(refusal)
    if held_by_live_run(holders or [None], say):
        return False
    again = _lock_refusal(pulumi, stack_args)
    if again is None:
        return True  # the dead holder's lock is gone already: nothing to remove
    if {h.where for h in parse_lock_refusal(again)} != {h.where for h in holders}:
        say("the stack's lock changed while recover looked at it: another run is starting; nothing was changed")
        return False
    cancelled = _run(pulumi, ["cancel", "--yes"], stack_args)
    if cancelled.returncode != 0:
        say(f"could not remove the killed run's lock:\n{cancelled.stdout}{cancelled.stderr}")
        return False
    say("removed the stack's lock left by a killed run (its holder is gone from this host)")
    return True


def clear_file_locks(pulumi: str, stack_args: Sequence[str], root: Path, say: Say) -> bool:
    """The file backend's lock files, read (and the dead ones deleted) directly."""
    if not any_lock_files(root):
        return True
    name = _qualified_name(pulumi, stack_args)
    if name is None:
        return True
    files = stack_lock_files(root, name)
    holders = [parse_lock_file(path.read_text(errors="replace"), str(path)) for path in files]
    if held_by_live_run(holders, say):
        return False
    for path, holder in zip(files, holders, strict=True):
        path.unlink(missing_ok=True)
        say(f"removed the stack's lock left by a killed run ({holder.describe() if holder else path.name}: gone)")
    return True


def run_recovery(pulumi: str = "pulumi", stack_args: Sequence[str] = (), say: Say = say_on_stderr) -> int:
    """Repair what an interrupted run left; 0 when done or nothing to do, ``LOCKED`` when a run may be going on."""
    url = backend_url()
    repair_backend(url, say)
    if not clear_locks(pulumi, stack_args, url, say):
        return LOCKED
    root = backend_dir(url)
    if root is not None and not may_hold_pending_creates(root):
        return 0
    exported = _run(pulumi, ["stack", "export"], stack_args)
    if exported.returncode != 0:
        return 0  # no stack selected yet, or no state: nothing to recover (the real command reports it)
    plan = plan_recovery(json.loads(exported.stdout))
    if not plan.changed:
        return 0
    again = _run(pulumi, ["stack", "export"], stack_args)
    if again.returncode != 0 or json.loads(again.stdout) != json.loads(exported.stdout):
        say("the state changed while recover read it: another run is applying; nothing was changed")
        return LOCKED
    say(
        f"the last run was interrupted: {len(plan.recovered)} create(s) to check on the server, "
        f"{len(plan.dropped)} pending create(s) without a server object to forget"
    )
    imported = _import(pulumi, plan.deployment, stack_args)
    if imported.returncode != 0 and refused_at_lock(imported.stderr + imported.stdout):
        # a lock taken since it was checked: the refusal names its holders
        if not clear_refused_locks(pulumi, stack_args, imported.stderr + imported.stdout, say):
            return LOCKED
        imported = _import(pulumi, plan.deployment, stack_args)
    if imported.returncode != 0:
        say(f"could not write the repaired state:\n{imported.stdout}{imported.stderr}")
        return imported.returncode
    if plan.recovered:
        targets = [arg for created in plan.recovered for arg in ("--target", created.urn)]
        refreshed = _run(pulumi, ["refresh", "--yes", "--skip-preview", *targets], stack_args)
        if refreshed.returncode != 0:
            say(f"refreshing the recovered resources failed:\n{refreshed.stdout}{refreshed.stderr}")
            return refreshed.returncode
    for created in plan.recovered:
        say(f"checked interrupted create of {created.kind} {created.id!r} (kept only if this stack created it)")
    return 0


def _import(pulumi: str, deployment: dict, stack_args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(deployment, handle)
    try:
        return _run(pulumi, ["stack", "import", "--file", handle.name], stack_args)
    finally:
        os.unlink(handle.name)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pulumi_serving.recovery PULUMI [STACK ARGS...]`` (used by scripts/pulumi.sh)."""
    args = list(sys.argv[1:] if argv is None else argv)
    pulumi = args.pop(0) if args else "pulumi"
    return run_recovery(pulumi, args)
