"""What the planner returns: an ordered list of named API calls, or replaces with reasons, or rejections."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..payloads.api_paths import Api


@dataclass(frozen=True)
class Call:
    """``api`` sent because ``fields`` changed; ``body`` is what it sends (never shown: it may hold secrets)."""

    api: Api
    fields: tuple[str, ...] = ()
    body: Any = field(default=None, repr=False, compare=False)

    def describe(self) -> str:
        return f"{', '.join(self.fields)} -> {self.api}" if self.fields else f"-> {self.api}"


@dataclass(frozen=True)
class Replace:
    """``path`` changed and cannot be updated in place; ``property`` is the top-level input to replace."""

    path: str
    property: str
    reason: str


@dataclass(frozen=True)
class Rejection:
    """``path`` cannot be applied at all, for ``reason``: preview fails naming both."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class Plan:
    """Exactly one of: calls to make in order, replaces, or rejections (all empty: nothing to do); ``warnings``
    are what a reviewer should look at twice (a principal name that reads like another one)."""

    calls: list[Call] = field(default_factory=list)
    replaces: list[Replace] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.replaces or any(c.fields for c in self.calls))

    @property
    def replace_properties(self) -> list[str]:
        return sorted({r.property for r in self.replaces})

    @property
    def changed_fields(self) -> list[str]:
        return [f for c in self.calls for f in c.fields]

    def describe(self) -> list[str]:
        """One human line per warning, rejection, replace or call (paths and calls only, never values)."""
        lines = [f"warning: {w}" for w in self.warnings]
        lines += [f"! {r.path}: rejected ({r.reason})" for r in self.rejections]
        lines += [f"+- {r.path}: replace ({r.reason})" for r in self.replaces]
        return lines + [f"~ {c.describe()}" for c in self.calls]
