"""The secret reference syntax ``{{secrets/<scope>/<key>}}``: parse, format, recognise."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .names import scope_name_problem, secret_key_problem

_REF_RE = re.compile(r"\{\{\s*secrets/([^/{}\s]+)/([^/{}\s]+)\s*\}\}")


@dataclass(frozen=True, order=True)
class SecretRef:
    """A reference to ``key`` in secret ``scope``."""

    scope: str
    key: str

    def __str__(self) -> str:
        return format_secret_ref(self.scope, self.key)


def format_secret_ref(scope: str, key: str) -> str:
    """``{{secrets/scope/key}}``."""
    return "{{secrets/" + scope + "/" + key + "}}"


def looks_like_secret_ref(value: str) -> bool:
    """True when ``value`` tries to be a reference (starts with ``{{``), valid or not."""
    return value.strip().startswith("{{")


def parse_secret_ref(value: str) -> SecretRef:
    """Parse a reference; raise ValueError naming the reason when it is malformed."""
    match = _REF_RE.fullmatch(value.strip())
    if match is None:
        # The value is not echoed: a malformed reference is often a raw credential pasted in the wrong field.
        raise ValueError("is not a secret reference of the form {{secrets/<scope>/<key>}}")
    scope, key = match.groups()
    problem = scope_name_problem(scope) or secret_key_problem(key)
    if problem:
        raise ValueError(f"secret reference: {problem}")
    return SecretRef(scope, key)
