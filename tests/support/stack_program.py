"""The repo's stack program (``stacks/``) in tests: its files, declarations set as stack config, and the lines of
Pulumi's output that name a resource kind."""

from __future__ import annotations

import json
import re

from .pulumi_stack import PulumiStack

PROGRAM_FILES = ["Pulumi.yaml", "stacks"]  # no schemas/: the stack program uses the bundled schema
DEV_PASSPHRASE = "pulumi-serving-local"  # encrypts the secure values checked into stacks/Pulumi.dev.yaml


def declare(
    stack: PulumiStack, *, scopes: list | None = None, endpoints: list | None = None, wait_timeout: float | None = None
) -> None:
    """Set the stack's declarations (Pulumi's get_object decodes the JSON strings)."""
    values: dict[str, str] = {}
    if scopes is not None:
        values["serving:scopes"] = json.dumps(scopes)
    if endpoints is not None:
        values["serving:endpoints"] = json.dumps(endpoints)
    if wait_timeout is not None:
        values["serving:wait_timeout"] = json.dumps(wait_timeout)
    stack.set_config(values)


def step_line(output: str, kind: str) -> list[str]:
    """Resource lines of ``pulumi preview/up`` output mentioning the type ``kind`` with a change marker."""
    pattern = re.compile(rf"dynamic/serving:{kind}\b")
    return [
        line
        for line in output.splitlines()
        if pattern.search(line) and line.lstrip()[:2] in ("~ ", "+ ", "- ", "+-", "-+", "++", "--")
    ]
