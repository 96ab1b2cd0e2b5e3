"""Recorded scenarios (``tests/fidelity/scenarios/*.json``): loading, placeholders and the comparison of an answer
with what a real workspace was recorded answering (docs/fidelity.md). Pure: no I/O besides reading the files.

A scenario is a list of steps ``{"call": "METHOD /path", "query"?, "body"?, "status", "response"?, "includes"?}``.
Placeholders are written as the recordings write them, ``[NAME]``:

- in a request (path, query, body) every ``[NAME]`` is replaced by its value, which must be known;
- in an expected answer a string that is exactly ``[NAME]`` matches a value already bound to ``NAME``, or binds it
  (an id, a timestamp: what must differ between two workspaces); two names never hold the same value, as in the
  recordings, where one value gets one name; a ``UNIX_TIME_MILLIS*`` name holds milliseconds since the epoch, any
  other name a non-empty string;
- ``response`` lists the fields compared (the recordings print projections of the answer: other fields are not
  compared); a list is compared as a set of items, each matched like an object, of the same length;
- ``includes`` maps a list field to items that must each match one of its items (the recordings select them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCENARIOS = Path(__file__).resolve().parents[1] / "fidelity" / "scenarios"
PLACEHOLDER = re.compile(r"\[([A-Z][A-Z0-9_]*)\]")
MILLIS_RANGE = (10**12, 10**14)  # 2001 to 5138: a timestamp in milliseconds, not seconds or nanoseconds


@dataclass(frozen=True)
class Step:
    method: str
    path: str
    status: int
    query: dict[str, str] | None = None
    body: Any = None
    response: dict[str, Any] | None = None
    includes: dict[str, list[Any]] | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    recording: str
    given: dict[str, str]
    steps: list[Step]


STEP_KEYS = {"call", "query", "body", "status", "response", "includes", "from"}  # ``from``: the recorded file shown


def load(path: Path) -> Scenario:
    data = json.loads(path.read_text())
    steps = []
    for raw in data["steps"]:
        if unknown := set(raw) - STEP_KEYS:
            raise ValueError(f"{path.name}: unknown step keys {sorted(unknown)} (known: {sorted(STEP_KEYS)})")
        method, _, target = raw["call"].partition(" ")
        steps.append(
            Step(
                method=method,
                path=target,
                status=raw["status"],
                query=raw.get("query"),
                body=raw.get("body"),
                response=raw.get("response"),
                includes=raw.get("includes"),
            )
        )
    return Scenario(path.stem, data["recording"], data.get("given", {}), steps)


def all_scenarios() -> list[Scenario]:
    return [load(path) for path in sorted(SCENARIOS.glob("*.json"))]


def fields_compared(step: Step) -> int:
    """Leaves the step compares: its status and every scalar of its expected answer."""

    def leaves(value: Any) -> int:
        if isinstance(value, dict):
            return sum(leaves(v) for v in value.values())
        if isinstance(value, list):
            return sum(leaves(v) for v in value)
        return 1

    return 1 + leaves(step.response or {}) + leaves(step.includes or {})


@dataclass
class Bindings:
    """Values of the placeholders of one run of a scenario."""

    values: dict[str, Any] = field(default_factory=dict)

    def fill(self, value: Any) -> Any:
        """``value`` (a request part) with every ``[NAME]`` replaced by its bound value."""
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if not isinstance(value, str):
            return value

        def bound(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.values:
                raise KeyError(f"placeholder [{name}] is used before a step binds it")
            return str(self.values[name])

        return PLACEHOLDER.sub(bound, value)

    def match(self, path: str, expected: Any, actual: Any) -> list[str]:
        """Differences between an expected (recorded) value and an answer; binds new placeholders."""
        if isinstance(expected, dict):
            if not isinstance(actual, dict):
                return [f"{path}: expected an object, got {actual!r}"]
            problems = []
            for key, want in expected.items():
                if key not in actual:
                    problems.append(f"{path}.{key}: missing (recorded {want!r})")
                else:
                    problems += self.match(f"{path}.{key}", want, actual[key])
            return problems
        if isinstance(expected, list):
            if not isinstance(actual, list):
                return [f"{path}: expected a list, got {actual!r}"]
            if len(actual) != len(expected):
                return [f"{path}: {len(actual)} items, recorded {len(expected)}: {actual!r}"]
            return self.includes(path, expected, actual)
        whole = PLACEHOLDER.fullmatch(expected) if isinstance(expected, str) else None
        if whole and whole.group(1) not in self.values:
            return self._bind(path, whole.group(1), actual)
        want = self.values[whole.group(1)] if whole else self.fill(expected)
        if type(want) is not type(actual) or want != actual:
            return [f"{path}: {actual!r}, recorded {expected!r}" + (f" ({want!r})" if want != expected else "")]
        return []

    def includes(self, path: str, expected: list[Any], actual: list[Any]) -> list[str]:
        """Each expected item matches a distinct item of ``actual`` (in any order)."""
        remaining = list(actual)
        problems = []
        for want in expected:
            for i, item in enumerate(remaining):
                trial = Bindings(dict(self.values))
                if not trial.match(path, want, item):
                    self.values = trial.values
                    del remaining[i]
                    break
            else:
                problems.append(f"{path}: no item matches recorded {want!r} in {actual!r}")
        return problems

    def _bind(self, path: str, name: str, actual: Any) -> list[str]:
        if name.startswith("UNIX_TIME_MILLIS"):
            ok = type(actual) is int and MILLIS_RANGE[0] <= actual < MILLIS_RANGE[1]
            kind = "a timestamp in milliseconds"
        else:
            ok = isinstance(actual, str) and bool(actual)
            kind = "a non-empty string"
        if not ok:
            return [f"{path}: {actual!r} is not {kind} ([{name}])"]
        taken = [other for other, value in self.values.items() if value == actual]
        if taken:
            return [f"{path}: [{name}] has the value of [{taken[0]}] ({actual!r}); the recording shows two values"]
        self.values[name] = actual
        return []
