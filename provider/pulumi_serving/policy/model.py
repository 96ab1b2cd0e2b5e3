"""What a policy rule sees and says, free of any policy SDK: resources, settings, violations, rules.

A rule is pure: it gets plain resource properties (values not known during a preview replaced by
:data:`UNKNOWN`) and its settings, and returns violations. ``pack.py`` adapts the rules to pulumi-policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

#: The type prefix of every pulumi-serving resource (dynamic resources of module ``serving``).
TYPE_PREFIX = "pulumi-python:dynamic/serving:"


class Level(StrEnum):
    """What a violation does: ``mandatory`` fails the preview or update, ``advisory`` warns, ``disabled`` skips."""

    ADVISORY = "advisory"
    MANDATORY = "mandatory"
    DISABLED = "disabled"


class _Unknown:
    """A value the engine does not know yet (during a preview, an output of a resource still to be created)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


def known(value: object) -> bool:
    """True when ``value`` holds no :data:`UNKNOWN` at any depth."""
    if value is UNKNOWN:
        return False
    if isinstance(value, Mapping):
        return all(known(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(known(v) for v in value)
    return True


@dataclass(frozen=True)
class ResourceView:
    """One resource as a rule sees it: ``kind`` is the pulumi-serving resource name (``ServingEndpoint``) or, for
    any other resource, its full type."""

    kind: str
    name: str
    urn: str
    props: Mapping[str, Any]
    parent: str | None = None
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @staticmethod
    def kind_of(type_: str) -> str:
        return type_.removeprefix(TYPE_PREFIX)

    @property
    def stack(self) -> str:
        """The stack name, from ``urn:pulumi:<stack>::<project>::<type>::<name>``."""
        return self.urn.removeprefix("urn:pulumi:").split("::")[0]

    @property
    def label(self) -> str:
        """How messages name it: the endpoint (or scope) name when known, and the Pulumi resource name."""
        for key in ("endpoint_name", "scope"):
            value = self.props.get(key)
            if isinstance(value, str) and value != self.name:
                return f"{self.kind} {value!r} (resource {self.name!r})"
        return f"{self.kind} {self.name!r}"


@dataclass(frozen=True)
class Violation:
    """A broken rule: ``message`` says what and how to fix it; ``urn`` names the resource (stack rules)."""

    message: str
    urn: str | None = None


@dataclass(frozen=True)
class Setting:
    """One configuration property of a rule: its JSON Schema (with its default) and what it means."""

    name: str
    schema: Mapping[str, Any]
    description: str

    @property
    def default(self) -> Any:
        return self.schema["default"]

    def json_schema(self) -> dict[str, Any]:
        return {**self.schema, "description": self.description}


ResourceCheck = Callable[[ResourceView, Mapping[str, Any]], list[str]]
StackCheck = Callable[[Sequence[ResourceView], Mapping[str, Any]], list[Violation]]


@dataclass(frozen=True)
class Rule:
    """A rule with a stable ``name``: a resource rule checks each resource of ``kinds`` alone, a stack rule
    (``stack_check``) the whole stack at once."""

    name: str
    description: str
    level: Level
    kinds: tuple[str, ...]
    settings: tuple[Setting, ...] = ()
    check: ResourceCheck | None = None
    stack_check: StackCheck | None = None

    def __post_init__(self) -> None:
        if (self.check is None) == (self.stack_check is None):
            raise ValueError(f"rule {self.name!r}: give exactly one of check and stack_check")

    @property
    def is_stack_rule(self) -> bool:
        return self.stack_check is not None

    def configured(self, config: Mapping[str, Any] | None) -> dict[str, Any]:
        """The settings in effect: each setting's default unless ``config`` sets it."""
        given = dict(config or {})
        return {s.name: given.get(s.name, s.default) for s in self.settings}

    def check_resource(self, resource: ResourceView, config: Mapping[str, Any] | None = None) -> list[str]:
        """The violation messages of one resource (none for a resource of another kind)."""
        if self.check is None or resource.kind not in self.kinds:
            return []
        return self.check(resource, self.configured(config))

    def check_stack(
        self, resources: Sequence[ResourceView], config: Mapping[str, Any] | None = None
    ) -> list[Violation]:
        if self.stack_check is None:
            return []
        return self.stack_check(resources, self.configured(config))
