"""Chaos benchmark (issues 9, 20): SIGKILL the Pulumi CLI at random points of up, update and destroy, repair it,
and count converged trials, orphans and duplicates.

    .venv/bin/python benchmarks/chaos.py [--trials 30] [--seed 1] [--plain] [--backend file|postgres]
                                         [--overlap N] [--write]

Repair: ONE `scripts/pulumi.sh up`/`destroy`, or with ``--plain`` the plain `pulumi` CLI:
`pulumi-serving recover && pulumi up` (or destroy). ``--backend postgres`` keeps the state in a PostgreSQL server
the benchmark starts (the test extra's binaries). ``--overlap N`` adds N trials that start a second `up` with
PULUMI_SERVING_LOCK_WAIT while another is mid-apply (both must succeed). Same trials as tests/e2e/test_chaos.py
(tests/support/chaos.py), more of them; ``--write`` replaces the section of benchmarks/RESULTS.md for this repair
and backend ("Crash safety (chaos)" for the wrapper on the file backend) with the figures.
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


def section_title(plain: bool, backend: str) -> str:
    """The RESULTS.md heading of one repair and backend (the wrapper on the file backend keeps the plain one)."""
    variant = [
        *(["plain `pulumi` + `pulumi-serving recover`"] if plain else []),
        *(["PostgreSQL backend"] if backend == "postgres" else []),
    ]
    return f"{SECTION}: {', '.join(variant)}" if variant else SECTION


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plain", action="store_true", help="plain pulumi + pulumi-serving recover (no wrapper)")
    parser.add_argument("--backend", choices=("file", "postgres"), default="file")
    parser.add_argument("--overlap", type=int, default=0, help="trials of a second up started mid-apply")
    parser.add_argument("--write", action="store_true", help="record the figures in benchmarks/RESULTS.md")
    args = parser.parse_args()
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
    title = section_title(args.plain, args.backend)
    repair = (
        "`pulumi-serving recover` and ONE plain `pulumi up` (or `destroy`: the CLI alone, no wrapper)"
        if args.plain
        else "ONE `scripts/pulumi.sh up` (or `destroy`)"
    )
    overlap = (
        [
            "Overlap trials: an `up` through `scripts/pulumi.sh` with `PULUMI_SERVING_LOCK_WAIT`, and a second one from",
            "another checkout started after a random number (1-20) of the first's output lines: both must succeed",
            "(killed: the first was still running when the second started).",
        ]
        if args.overlap
        else []
    )
    section = "\n".join(
        [
            title,
            "",
            f"Command (repo root): `.venv/bin/python benchmarks/chaos.py {' '.join(sys.argv[1:])}`",
            "",
            "Each trial SIGKILLs the Pulumi CLI after a random number (1-40, seeded) of output lines of an `up` (empty ->",
            "declaration A), an update (A -> B: tags, a secret value, an ACL, rate limits, permissions, one endpoint",
            "replaced) or a `destroy` of a 13-resource stack, then runs",
            f"{repair};",
            "converged = the server holds exactly the declaration (nothing after destroy), `preview --expect-no-changes`",
            "passes and no pending operation is left. Orphans: server objects not declared; duplicates: two state entries",
            "for one object; missing: declared objects absent.",
            *overlap,
            "",
            "| phase | trials | killed | converged | orphans | duplicates | missing |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"Total: **{converged}/{len(trials)} converged**, {sum(t.orphans for t in trials)} orphans, "
            f"{sum(t.duplicates for t in trials)} duplicates, in {elapsed:.0f} s on 2 shared cores.",
            *(BEFORE if title == SECTION else []),
        ]
    )
    print(section)
    if args.write:
        results = ROOT / "benchmarks" / "RESULTS.md"
        results.write_text(with_section(results.read_text(), title, section))
    return 0 if converged == len(trials) else 1


BEFORE = [
    "",
    "Before the ownership markers and the repair (as issue 9 reported it): every repair `up` after a kill mid-create",
    "failed with `RESOURCE_ALREADY_EXISTS ... this stack did not create it`, and `destroy` left 4, 4 and 2 endpoints",
    "orphaned after kills following the 1st, 3rd and 6th endpoint create.",
]


def with_section(text: str, title: str, section: str) -> str:
    """``text`` with the section under ``title`` replaced, or added after the last chaos section (else at the end)."""
    pattern = re.compile(rf"^{re.escape(title)}\n.*?(?=\n## |\Z)", re.S | re.M)
    if pattern.search(text):
        return pattern.sub(lambda _: section.rstrip("\n") + "\n", text).rstrip("\n") + "\n"
    chaos = list(re.finditer(rf"^{re.escape(SECTION)}.*?(?=\n## |\Z)", text, re.S | re.M))
    at = chaos[-1].end() if chaos else len(text.rstrip("\n"))
    return (text[:at].rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n" + text[at:]).rstrip("\n") + "\n"


if __name__ == "__main__":
    sys.exit(main())
