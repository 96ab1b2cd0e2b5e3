"""Chaos benchmark (issues 9, 20): SIGKILL the Pulumi CLI at random points of up, update and destroy, repair it,
and count converged trials, orphans and duplicates.

    .venv/bin/python benchmarks/chaos.py [--trials 30] [--seed 1] [--plain] [--backend file|postgres]
                                         [--overlap N] [--write]

Repair: ONE `scripts/pulumi.sh up`/`destroy`, or with ``--plain`` the plain `pulumi` CLI:
`pulumi-serving recover && pulumi up` (or destroy). ``--backend postgres`` keeps the state in a PostgreSQL server
the benchmark starts (the test extra's binaries). ``--overlap N`` adds N trials that start a second `up` with
PULUMI_SERVING_LOCK_WAIT while another is mid-apply (both must succeed). Same trials as tests/e2e/test_chaos.py
(tests/support/chaos.py), more of them; ``--write`` replaces the "Crash safety (chaos)" section of
benchmarks/RESULTS.md with the figures (of the wrapper on the file backend; other runs print theirs).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.chaos import Trial, run_overlap_trial, run_trial, secrets_for_chaos  # noqa: E402
from tests.support.postgres import start_postgres  # noqa: E402
from tests.support.pulumi_stack import PulumiStack, ensure_pulumi_bin  # noqa: E402
from tests.support.server import start_server  # noqa: E402

PROGRAM = ["Pulumi.yaml", "stacks", "schemas"]
SECTION = "## Crash safety (chaos)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plain", action="store_true", help="plain pulumi + pulumi-serving recover (no wrapper)")
    parser.add_argument("--backend", choices=("file", "postgres"), default="file")
    parser.add_argument("--overlap", type=int, default=0, help="trials of a second up started mid-apply")
    parser.add_argument("--write", action="store_true", help="record the figures in benchmarks/RESULTS.md")
    args = parser.parse_args()
    if args.write and (args.plain or args.backend != "file" or args.overlap):
        parser.error("--write records the wrapper on the file backend only")
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp_dir, contextlib.ExitStack() as cleanup:
        tmp = Path(tmp_dir)
        backend_url = None
        if args.backend == "postgres":
            postgres = start_postgres()
            cleanup.callback(postgres.stop)
            backend_url = postgres.backend_url("chaos")
        server = start_server(tmp / "data", update_delay=0)
        cleanup.callback(server.stop)
        stack = PulumiStack(tmp / "stack", ROOT, "chaos", ensure_pulumi_bin(), include=PROGRAM, backend_url=backend_url)
        stack.set_config({"serving:host": server.url}, {"serving:token": server.admin_token, **secrets_for_chaos()})
        other = stack.another_runner(tmp / "runner-2") if args.overlap else None
        start = time.monotonic()
        trials: list[Trial] = []
        for index in range(args.trials + args.overlap):
            if index < args.trials:
                trial = run_trial(stack, server, index, rng, plain=args.plain)
            else:
                assert other is not None
                trial = run_overlap_trial(stack, other, server, index, rng)
            trials.append(trial)
            what = "killed" if trial.phase != "overlap" else "second up started mid-apply"
            print(
                f"trial {index} {trial.phase}: after line {trial.kill_line} "
                f"({what if trial.killed else 'ended first'}): "
                f"{'converged' if trial.converged else 'NOT converged: ' + trial.problem}",
                flush=True,
            )
        elapsed = time.monotonic() - start
        stack.destroy(check=False)
    rows = []
    for phase in ("up", "update", "destroy", "overlap"):
        of = [t for t in trials if t.phase == phase]
        if not of:
            continue
        counts = [
            sum(t.killed for t in of),
            f"{sum(t.converged for t in of)}/{len(of)}",
            sum(t.orphans for t in of),
            sum(t.duplicates for t in of),
            sum(t.missing for t in of),
        ]
        rows.append(f"| {phase} | {len(of)} | " + " | ".join(map(str, counts)) + " |")
    converged = sum(t.converged for t in trials)
    section = "\n".join(
        [
            SECTION,
            "",
            f"Command (repo root): `.venv/bin/python benchmarks/chaos.py {' '.join(sys.argv[1:])}`",
            "",
            "Each trial SIGKILLs the Pulumi CLI after a random number (1-40, seeded) of output lines of an `up` (empty ->",
            "declaration A), an update (A -> B: tags, a secret value, an ACL, rate limits, permissions, one endpoint",
            "replaced) or a `destroy` of a 13-resource stack, then runs ONE `scripts/pulumi.sh up` (or `destroy`),",
            "or with `--plain` `pulumi-serving recover` and ONE plain `pulumi up` (or `destroy`);",
            "converged = the server holds exactly the declaration (nothing after destroy), `preview --expect-no-changes`",
            "passes and no pending operation is left. Orphans: server objects not declared; duplicates: two state entries",
            "for one object; missing: declared objects absent.",
            "",
            "| phase | trials | killed | converged | orphans | duplicates | missing |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"Total: **{converged}/{len(trials)} converged**, {sum(t.orphans for t in trials)} orphans, "
            f"{sum(t.duplicates for t in trials)} duplicates, in {elapsed:.0f} s on 2 shared cores.",
            "",
            "Before the ownership markers and the repair (as issue 9 reported it): every repair `up` after a kill mid-create",
            "failed with `RESOURCE_ALREADY_EXISTS ... this stack did not create it`, and `destroy` left 4, 4 and 2 endpoints",
            "orphaned after kills following the 1st, 3rd and 6th endpoint create.",
            "",
        ]
    )
    print(section)
    if args.write:
        results = ROOT / "benchmarks" / "RESULTS.md"
        text = results.read_text()
        pattern = re.compile(rf"{re.escape(SECTION)}\n.*?(?=\n## |\Z)", re.S)
        text = pattern.sub(section.rstrip("\n"), text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
        results.write_text(text.rstrip("\n") + "\n")
    return 0 if converged == len(trials) else 1


if __name__ == "__main__":
    sys.exit(main())
