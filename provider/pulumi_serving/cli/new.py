"""``pulumi-serving new DIR``: scaffold an infra repo using pulumi-serving (the files of ``templates/project``).

It writes Pulumi.yaml (naming its virtualenv and declaring what every stack shares), a one-call ``__main__.py``,
``stacks/`` with dev, staging and prod stacks that vary the shared declarations, ``policy/`` (the policy pack
``pulumi preview --policy-pack policy`` runs, on the same virtualenv), the CI workflow (validate and preview
per stack on pull requests, up on merge, a scheduled drift check), requirements.txt, the stack-file JSON Schema and a
README.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from ..stack.schemas import STACK_FILE, bundled_schema_text
from .main import DISTRIBUTION, _installed_version
from .style import GREEN, paint

#: Template names that cannot be package data as is (a leading dot hides them from package-data globs).
RENAMED = {"gitignore": ".gitignore", "github": ".github"}
DEV_STACK_FILE = "Pulumi.dev.yaml"
_PROJECT_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def requirement(extra: str | None = None) -> str:
    """``pulumi-serving>=X.Y.Z,<X.(Y+1)`` for the running version (any 0.x minor may break), else unpinned;
    ``pulumi-serving[EXTRA]...`` with ``extra``."""
    name = f"{DISTRIBUTION}[{extra}]" if extra else DISTRIBUTION
    match = re.match(r"^(\d+)\.(\d+)\.(\d+)", _installed_version())
    if not match:
        return name
    major, minor = int(match[1]), int(match[2])
    upper = f"{major}.{minor + 1}" if major == 0 else f"{major + 1}"
    return f"{name}>={match[0]},<{upper}"


def policy_virtualenv(virtualenv: str) -> str:
    """The project's virtualenv as ``policy/PulumiPolicy.yaml`` names it (relative to ``policy/``)."""
    return virtualenv if Path(virtualenv).is_absolute() else str(Path("..") / virtualenv)


def _files(root: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    out = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        name = f"{prefix}{RENAMED.get(entry.name, entry.name) if not prefix else entry.name}"
        out += _files(entry, f"{name}/") if entry.is_dir() else [(name, entry)]
    return out


def scaffold(target: Path, *, name: str, virtualenv: str, dev_host: str | None = None) -> list[Path]:
    """Write the project into ``target`` (created; must hold none of the files); returns the files written.

    ``dev_host`` pins the dev stack to that serving API (``serving:host`` in its stack file); without it every stack
    reads the serving API from the environment (``DATABRICKS_HOST``), as CI does."""
    values = {
        "__PROJECT__": name,
        "__VIRTUALENV__": virtualenv,
        "__REQUIREMENT__": requirement(),
        "__POLICY_REQUIREMENT__": requirement("policy"),
        "__POLICY_VIRTUALENV__": policy_virtualenv(virtualenv),
    }
    planned = [
        (target / rel, entry.read_text())
        for rel, entry in _files(resources.files("pulumi_serving").joinpath("templates", "project"))
    ]
    planned.append((target / "schemas" / STACK_FILE, bundled_schema_text(STACK_FILE)))
    existing = [str(path) for path, _ in planned if path.exists()]
    if existing:
        more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
        raise FileExistsError(f"{target} already holds {', '.join(existing[:3])}{more}; nothing was written")
    for path, text in planned:
        for token, value in values.items():
            text = text.replace(token, value)
        if dev_host is not None and path.name == DEV_STACK_FILE:
            text = text.replace("\nconfig:\n", f"\nconfig:\n  serving:host: {json.dumps(dev_host)}\n", 1)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return [path for path, _ in planned]


def run(args: argparse.Namespace) -> int:
    name = args.name or args.directory.resolve().name
    if not _PROJECT_NAME.match(name):
        print(
            f"pulumi-serving new: project name {name!r} may contain only letters, digits, '_', '.' and '-' "
            "(pass --name)",
            file=sys.stderr,
        )
        return 2
    try:
        written = scaffold(args.directory, name=name, virtualenv=args.virtualenv, dev_host=args.dev_host)
    except FileExistsError as exc:
        print(f"pulumi-serving new: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"  {path}")
    print(
        paint(
            f"created project {name!r} in {args.directory}; next steps: {args.directory / 'README.md'}",
            GREEN,
            sys.stdout,
        )
    )
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "new",
        help="scaffold an infra repo that declares serving infrastructure",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("directory", type=Path, metavar="DIR", help="where to create the project (may exist)")
    parser.add_argument("--name", help="Pulumi project name (default: the directory's name)")
    parser.add_argument(
        "--virtualenv",
        default=".venv",
        help="virtualenv named in Pulumi.yaml, relative to DIR or absolute (default .venv)",
    )
    parser.add_argument(
        "--dev-host",
        metavar="URL",
        help="pin the dev stack to this serving API, e.g. a local `pulumi-serving serve` (writes serving:host into "
        "stacks/Pulumi.dev.yaml; default: every stack reads DATABRICKS_HOST)",
    )
    parser.set_defaults(func=run)
