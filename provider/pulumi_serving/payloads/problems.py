"""Validation outcome: a list of :class:`Problem` (field path + reason), built from pydantic errors."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One reason a payload is invalid. ``path`` is dotted with list indices, e.g. ``config.served_entities[0]``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def format_problems(problems: Iterable[Problem]) -> str:
    return "; ".join(str(p) for p in problems)


def join_path(*parts: str | int) -> str:
    """Join path segments: strings with '.', integers as ``[i]``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "":
            out = f"{out}.{part}" if out else part
    return out


_PREFIXES = ("Value error, ", "Assertion failed, ")


def _message(error: Any) -> str:
    kind = error.get("type", "")
    msg: str = error.get("msg", "invalid value")
    for prefix in _PREFIXES:
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "field is required"
    if kind in ("literal_error", "enum"):
        return f"unknown value {_shown(error.get('input'))}; {msg[0].lower()}{msg[1:]}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{msg[0].lower()}{msg[1:]} (got {type(error.get('input')).__name__})"
    return msg[0].lower() + msg[1:] if msg else msg


def problems_from_validation_error(error: ValidationError, prefix: str = "") -> list[Problem]:
    """Convert pydantic errors into Problems whose paths name the payload field."""
    return problems_from_error_list(error.errors(include_url=False), prefix)


def problems_from_error_list(errors: Iterable[Any], prefix: str = "", skip_loc: int = 0) -> list[Problem]:
    problems = []
    for err in errors:
        loc = tuple(err.get("loc", ()))[skip_loc:]
        problems.append(Problem(join_path(prefix, *loc), _message(err)))
    return problems


def parse(model: type[M], payload: Any, prefix: str = "") -> tuple[M | None, list[Problem]]:
    """``payload`` validated once against ``model``: (the model, no problems), or (None, every problem found)."""
    try:
        return model.model_validate(payload), []
    except ValidationError as exc:
        return None, problems_from_validation_error(exc, prefix)


def check(model: type[BaseModel], payload: Any, prefix: str = "") -> list[Problem]:
    """Problems found validating ``payload`` against ``model`` (empty when valid)."""
    return parse(model, payload, prefix)[1]


def _shown(value: Any) -> str:
    """A rejected value as a message shows it: text quoted as the accepted values are ('READ'), anything else
    (a list or a mapping given where a name is expected) as JSON, never a Python repr."""
    return repr(value) if isinstance(value, str) else json.dumps(value, default=str)
