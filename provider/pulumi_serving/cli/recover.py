"""``pulumi-serving recover [--stack NAME]``: repair a stack after an interrupted Pulumi run, in one command.

In the order that works (docs/crash-safety.md): attribute sidecars a kill left empty, then the stack's lock when
its holder is provably dead on this host, then the creates the killed run left pending (objects carrying the
stack's ownership marker are taken into the state, the rest forgotten), with the ``pulumi`` CLI on PATH. A lock a
live run may hold is never removed and its state never rewritten: recover says what to do next and exits 75.
``scripts/pulumi.sh`` does this before every up/destroy/refresh; with plain ``pulumi``: ``pulumi-serving recover
&& pulumi up``.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "recover",
        help="repair what an interrupted pulumi run left (empty state sidecars, a dead run's lock, pending creates)",
        description=(
            "Repair what an interrupted pulumi run left. Exit status 0: repaired or nothing to repair; "
            "75: another run may hold the stack's lock (nothing changed, the next step is printed)."
        ),
    )
    parser.add_argument("--stack", "-s", help="the stack (default: the selected one)")
    parser.add_argument("--cwd", "-C", help="the Pulumi project directory (default: the current one)")
    parser.add_argument("--pulumi", default="pulumi", help="the Pulumi CLI to run (default: pulumi on PATH)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..recovery import run_recovery

    scope = [*(["--stack", args.stack] if args.stack else []), *(["--cwd", args.cwd] if args.cwd else [])]
    return run_recovery(args.pulumi, scope)
