"""``pulumi-serving validate stacks/Pulumi.<stack>.yaml``: check a stack file's declarations without Pulumi.

A stack file is checked as Pulumi reads it: merged over the ``config:`` of its project's ``Pulumi.yaml`` (the
nearest one whose ``stackConfigDir`` holds the file), so a problem in a shared declaration names ``Pulumi.yaml``.

Each problem is printed as ``FILE:LINE:COLUMN: PATH: REASON`` (the form editors and CI annotations link to), or
with ``--json`` as one JSON document on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from ..payloads.declarations import json_schema, validate_stack_config
from .locations import locate, path_segments
from .project_config import find_project
from .style import BOLD, GREEN, RED, paint


@dataclass(frozen=True)
class Finding:
    """One problem of one stack file; ``line`` and ``column`` are 1-based, None when unknown."""

    file: str
    message: str
    path: str = ""
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = ":".join([self.file, *(str(n) for n in (self.line, self.column) if n is not None)])
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


def load_schema(path: Path | None) -> dict[str, Any]:
    """The checked-in schema when given (CI validates against the file), else the one generated in memory."""
    return json.loads(path.read_text()) if path else json_schema()


MAX_NESTING = 64  # a stack file needs about 10 levels; deeper documents are refused before they are built


def nesting_mark(text: str) -> Any:
    """Where ``text`` first nests deeper than MAX_NESTING (read as a stream of events, without recursion)."""
    depth = 0
    for event in yaml.parse(text):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_NESTING:
                return event.start_mark
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return None


def validate_file(path: Path, schema: dict[str, Any], *, allow_external_secrets: bool = False) -> list[Finding]:
    """Every problem of one stack file, each naming the path in the file and, where found, its line and column."""
    try:
        text = path.read_text()
        if mark := nesting_mark(text):
            return [
                Finding(
                    str(path),
                    f"not a stack file: nested more than {MAX_NESTING} levels deep",
                    line=mark.line + 1,
                    column=mark.column + 1,
                )
            ]
        document = yaml.safe_load(text) or {}
    except OSError as exc:
        return [Finding(str(path), f"cannot read: {exc.strerror}")]
    except UnicodeDecodeError:
        return [Finding(str(path), "not valid YAML: not UTF-8 text")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [
            Finding(
                str(path),
                f"not valid YAML: {str(exc).splitlines()[0]}",
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        ]
    if not isinstance(document, dict) or not isinstance(document.get("config", {}), dict):
        return [Finding(str(path), "must be a mapping of config keys", path="config", line=1, column=1)]
    stack_config = document.get("config") or {}
    project = find_project(path)
    inherited = {k: v for k, v in project.values.items() if k not in stack_config} if project else {}
    problems = validate_stack_config(
        {**inherited, **stack_config},
        schema,
        allow_external_secrets=allow_external_secrets,
        environment=bool(document.get("environment")),
    )
    findings = []
    for problem in problems:
        key = path_segments(problem.path)[1:2]
        if project and key and key[0] in inherited:  # the value comes from Pulumi.yaml: point there
            where = project.file_path(str(key[0])) + problem.path[len(f"config.{key[0]}") :]
            line, column = locate(project.text, where) or (None, None)
            findings.append(Finding(str(project.path), problem.message, where, line, column))
        else:
            line, column = locate(text, problem.path) or (None, None)
            findings.append(Finding(str(path), problem.message, problem.path, line, column))
    return sorted(findings, key=lambda f: (f.file != str(path), f.line or 0, f.column or 0))


def run(args: argparse.Namespace) -> int:
    schema = load_schema(args.schema)
    findings = [
        finding
        for stack_file in args.stack_files
        for finding in validate_file(stack_file, schema, allow_external_secrets=args.allow_external_secrets)
    ]
    if args.json:
        print(
            json.dumps(
                {
                    "valid": not findings,
                    "files": [str(f) for f in args.stack_files],
                    "problems": [asdict(finding) for finding in findings],
                },
                indent=2,
            )
        )
    else:
        for finding in findings:
            where, _, rest = str(finding).partition(": ")
            print(f"{paint(where, BOLD, sys.stderr)}: {paint('error', RED, sys.stderr)}: {rest}", file=sys.stderr)
        if not findings:
            print(paint(f"{len(args.stack_files)} stack file(s) valid", GREEN, sys.stdout))
    return 1 if findings else 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check stack files' declarations (no Pulumi needed)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("stack_files", nargs="+", type=Path, metavar="STACK_FILE")
    parser.add_argument(
        "--schema",
        type=Path,
        default=None,
        help="JSON Schema file to validate against (default: generated from the models, identical "
        "to schemas/stack-declarations.schema.json)",
    )
    parser.add_argument(
        "--allow-external-secrets",
        action="store_true",
        help="accept {{secrets/scope/key}} references to secrets not declared in the file "
        "(managed elsewhere; `pulumi preview` still checks that they exist)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print {valid, files, problems: [{file, line, column, path, message}]} on stdout",
    )
    parser.set_defaults(func=run)
