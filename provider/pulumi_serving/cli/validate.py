"""``pulumi-serving validate stacks/Pulumi.<stack>.yaml``: check a stack file's declarations without Pulumi."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from ..spec.declarations import json_schema, validate_stack_config


def load_schema(path: Path | None) -> dict[str, Any]:
    """The checked-in schema when given (CI validates against the file), else the one generated in memory."""
    return json.loads(path.read_text()) if path else json_schema()


def validate_file(path: Path, schema: dict[str, Any], *, allow_external_secrets: bool = False) -> list[str]:
    """One line per problem, each naming the path in the file."""
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except OSError as exc:
        return [f"{path}: cannot read: {exc.strerror}"]
    except yaml.YAMLError as exc:
        return [f"{path}: not valid YAML: {str(exc).splitlines()[0]}"]
    if not isinstance(document, dict) or not isinstance(document.get("config", {}), dict):
        return [f"{path}: config: must be a mapping of config keys"]
    problems = validate_stack_config(document.get("config") or {}, schema,
                                     allow_external_secrets=allow_external_secrets)
    return [f"{path}: {problem}" for problem in problems]


def run(args: argparse.Namespace) -> int:
    schema = load_schema(args.schema)
    lines = [line for stack_file in args.stack_files
             for line in validate_file(stack_file, schema, allow_external_secrets=args.allow_external_secrets)]
    for line in lines:
        print(line, file=sys.stderr)
    if not lines:
        print(f"{len(args.stack_files)} stack file(s) valid")
    return 1 if lines else 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("validate", help="check stack files' declarations (no Pulumi needed)",
                                   description=__doc__)
    parser.add_argument("stack_files", nargs="+", type=Path, metavar="STACK_FILE")
    parser.add_argument("--schema", type=Path, default=None,
                        help="JSON Schema file to validate against (default: generated from the models, identical "
                             "to schemas/stack-declarations.schema.json)")
    parser.add_argument("--allow-external-secrets", action="store_true",
                        help="accept {{secrets/scope/key}} references to secrets not declared in the file "
                             "(managed elsewhere; `pulumi preview` still checks that they exist)")
    parser.set_defaults(func=run)
