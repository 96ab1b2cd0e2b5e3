"""Entry point of ``pulumi-serving``: one subcommand per module, each exposing ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, metadata, version

DISTRIBUTION = "pulumi-serving"
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9._-]+).*\bextra\s*==\s*[\"']([^\"']+)[\"']")
# Each module registers its subcommand and sets ``func`` (args -> exit code) on its parser.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "new",
    "fake_upstream",
    "validate",
    "generate",
    "serve",
    "tokens",
    "query",
    "compare",
    "recover",
    "completion",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser: every subcommand, or only the module ``only`` (a run of one subcommand then
    imports nothing of the others: ``generate`` alone imports pulumi, ``query`` httpx)."""
    parser = argparse.ArgumentParser(
        prog="pulumi-serving",
        description="Declarative LLM model serving: local serving API, validation and queries.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_installed_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in (only,) if only else SUBCOMMAND_MODULES:
        importlib.import_module(f"pulumi_serving.cli.{name}").register(subparsers)
    return parser


def _installed_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown (not installed)"


def extra_providing(module: str | None) -> str | None:
    """The package extra whose requirements include the top-level ``module`` (e.g. fastapi -> server)."""
    if not module:
        return None
    top = module.split(".")[0].replace("_", "-").lower()
    try:
        requirements = metadata(DISTRIBUTION).get_all("Requires-Dist") or []
    except PackageNotFoundError:
        return None
    for line in requirements:
        match = _REQUIREMENT.match(line)
        if match and match[1].replace("_", "-").lower() == top:
            return match[2]
    return None


def subcommand_module(argv: Sequence[str]) -> str | None:
    """The module of the subcommand ``argv`` starts with, or None (no subcommand, an option first, a typo: the
    whole parser then lists every command)."""
    module = argv[0].replace("-", "_") if argv and "_" not in argv[0] else None
    return module if module in SUBCOMMAND_MODULES else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(subcommand_module(argv)).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ModuleNotFoundError as exc:
        extra = extra_providing(exc.name)
        if extra is None:
            raise
        print(
            f"pulumi-serving {args.command}: needs the '{extra}' extra ({exc.name} is not installed); "
            f"install it with: pip install '{DISTRIBUTION}[{extra}]'",
            file=sys.stderr,
        )
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`, which closed early
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
