"""``pulumi-serving recover [--stack NAME]``: repair a stack after an interrupted Pulumi run.

Resolves the creates the interrupted run left pending (objects carrying the stack's ownership marker are
taken into the state, the rest forgotten), with the ``pulumi`` CLI on PATH. ``scripts/pulumi.sh`` does this
before every up/destroy/refresh; with plain ``pulumi``, run it after ``pulumi cancel`` (docs/crash-safety.md).
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("recover", help="resolve the pending creates an interrupted pulumi run left")
    parser.add_argument("--stack", "-s", help="the stack (default: the selected one)")
    parser.add_argument("--cwd", "-C", help="the Pulumi project directory (default: the current one)")
    parser.add_argument("--pulumi", default="pulumi", help="the Pulumi CLI to run (default: pulumi on PATH)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..recovery import run_recovery

    scope = [*(["--stack", args.stack] if args.stack else []), *(["--cwd", args.cwd] if args.cwd else [])]
    return run_recovery(args.pulumi, scope)
