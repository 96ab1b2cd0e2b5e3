"""What a diff returns: field-level changes, each tied to the API call that applies it, and replaces."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Change:
    """``path`` changed and will be sent by ``call`` (for example ``PUT .../config``)."""

    path: str
    call: str


@dataclass(frozen=True)
class Replace:
    """``path`` changed and cannot be updated in place; ``property`` is the top-level input to replace."""

    path: str
    property: str
    reason: str


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    replaces: list[Replace] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes or self.replaces)

    @property
    def replace_properties(self) -> list[str]:
        return sorted({r.property for r in self.replaces})

    @property
    def calls(self) -> list[str]:
        """Distinct API calls the update needs, in first-seen order."""
        return list(dict.fromkeys(c.call for c in self.changes))

    def describe(self) -> list[str]:
        """One human line per change (paths and calls only, never values)."""
        lines = [f"~ {c.path} -> {c.call}" for c in self.changes]
        lines += [f"+- {r.path}: replace ({r.reason})" for r in self.replaces]
        return lines
