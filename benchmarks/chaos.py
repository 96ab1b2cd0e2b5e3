"""Chaos benchmark (issue 9): SIGKILL the Pulumi CLI at random points of up, update and destroy, repair with
`pulumi cancel` + ONE up/destroy, and count converged trials, orphans and duplicates.

    .venv/bin/python benchmarks/chaos.py [--trials 30] [--seed 1] [--write]

Same trials as tests/e2e/test_chaos.py (tests/support/chaos.py), more of them; ``--write`` replaces the
"Crash safety (chaos)" section of benchmarks/RESULTS.md with the figures.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.chaos import run_trial, secrets_for_chaos  # noqa: E402
from tests.support.pulumi_stack import PulumiStack, ensure_pulumi_bin  # noqa: E402
from tests.support.server import start_server  # noqa: E402

PROGRAM = ["Pulumi.yaml", "stacks", "schemas"]
SECTION = "## Crash safety (chaos)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", action="store_true", help="record the figures in benchmarks/RESULTS.md")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp_dir:
        tmp = Path(tmp_dir)
        server = start_server(tmp / "data", update_delay=0)
        try:
            stack = PulumiStack(tmp / "stack", ROOT, "chaos", ensure_pulumi_bin(), include=PROGRAM)
            stack.set_config({"serving:host": server.url}, {"serving:token": server.admin_token, **secrets_for_chaos()})
            start = time.monotonic()
            trials = []
            for index in range(args.trials):
                trial = run_trial(stack, server, index, rng)
                trials.append(trial)
                print(
                    f"trial {index} {trial.phase}: kill after line {trial.kill_line} "
                    f"({'killed' if trial.killed else 'ended first'}): "
                    f"{'converged' if trial.converged else 'NOT converged: ' + trial.problem}",
                    flush=True,
                )
            elapsed = time.monotonic() - start
            stack.destroy(check=False)
        finally:
            server.stop()
    rows = []
    for phase in ("up", "update", "destroy"):
        of = [t for t in trials if t.phase == phase]
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
            "Command (repo root): "
            f"`.venv/bin/python benchmarks/chaos.py --trials {args.trials} --seed {args.seed} --write`",
            "",
            "Each trial SIGKILLs the Pulumi CLI after a random number (1-40, seeded) of output lines of an `up` (empty ->",
            "declaration A), an update (A -> B: tags, a secret value, an ACL, rate limits, permissions, one endpoint",
            "replaced) or a `destroy` of a 13-resource stack, then runs `pulumi cancel` and ONE `scripts/pulumi.sh up` (or",
            "`destroy`);",
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
