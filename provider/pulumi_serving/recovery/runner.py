"""Apply a recovery with the Pulumi CLI: export the stack, import it with its pending creates resolved, and
refresh the recovered resources so each provider keeps only objects carrying this stack's marker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence

from .file_backend import repair_file_backend
from .pending import plan_recovery

Say = Callable[[str], None]


def _say(line: str) -> None:
    print(f"pulumi-serving: {line}", file=sys.stderr, flush=True)


def _run(pulumi: str, args: Sequence[str], stack_args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [pulumi, *args, *stack_args, "--non-interactive"], capture_output=True, text=True, check=False
    )


def run_recovery(pulumi: str = "pulumi", stack_args: Sequence[str] = (), say: Say = _say) -> int:
    """Resolve the stack's pending creates; 0 when there were none or all were resolved."""
    repair_backend(say)
    exported = _run(pulumi, ["stack", "export"], stack_args)
    if exported.returncode != 0:
        return 0  # no stack selected yet, or no state: nothing to recover (the real command reports it)
    plan = plan_recovery(json.loads(exported.stdout))
    if not plan.changed:
        return 0
    say(
        f"the last run was interrupted: {len(plan.recovered)} create(s) to check on the server, "
        f"{len(plan.dropped)} pending create(s) without a server object to forget"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(plan.deployment, handle)
    try:
        imported = _run(pulumi, ["stack", "import", "--file", handle.name], stack_args)
    finally:
        os.unlink(handle.name)
    if imported.returncode != 0:
        say(
            f"could not write the repaired state (is the stack locked? run `pulumi cancel`):\n"
            f"{imported.stdout}{imported.stderr}"
        )
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


def repair_backend(say: Say = _say) -> None:
    """Only the file backend's broken sidecars (before any command: even `pulumi cancel` fails on them)."""
    for sidecar in repair_file_backend(os.environ.get("PULUMI_BACKEND_URL")):
        say(f"removed {sidecar.name}, left empty by an interrupted run (its blob is intact)")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pulumi_serving.recovery [--backend-only] PULUMI [STACK ARGS...]`` (used by scripts/pulumi.sh)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--backend-only"]:
        repair_backend()
        return 0
    pulumi = args.pop(0) if args else "pulumi"
    return run_recovery(pulumi, args)
