"""A policy pack's configuration written in code (the pack's ``__main__.py``), checked before the pack starts.

Per rule, either a level (``"advisory"``, ``"mandatory"``, ``"disabled"``) or a mapping of settings with an
optional ``enforcementLevel``: the same shape as a ``--policy-pack-config`` file, which overrides it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .model import Level, Rule

LEVEL_KEY = "enforcementLevel"


class ConfigError(ValueError):
    """A configuration naming an unknown rule or setting, or a value of the wrong type."""


@dataclass(frozen=True)
class RuleConfig:
    """One rule's configuration: its level (None: the rule's default) and settings (the others keep defaults)."""

    level: Level | None = None
    settings: dict[str, Any] = field(default_factory=dict)


def _level(rule: str, value: object) -> Level:
    try:
        return Level(str(value))
    except ValueError:
        allowed = ", ".join(level.value for level in Level)
        raise ConfigError(f"rule {rule!r}: enforcement level {value!r} is not one of {allowed}") from None


def _checked_setting(rule: Rule, key: str, value: object) -> Any:
    setting = next((s for s in rule.settings if s.name == key), None)
    if setting is None:
        known = ", ".join(s.name for s in rule.settings) or "none"
        raise ConfigError(f"rule {rule.name!r} has no setting {key!r} (settings: {known})")
    if setting.schema["type"] == "array":
        if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
            return list(value)
        raise ConfigError(f"rule {rule.name!r}: setting {key!r} must be a list of strings")
    if isinstance(value, bool):
        return value
    raise ConfigError(f"rule {rule.name!r}: setting {key!r} must be true or false")


def pack_config(config: Mapping[str, Any] | None, rules: Sequence[Rule]) -> dict[str, RuleConfig]:
    """Check ``config`` against ``rules``; every problem is a :class:`ConfigError` naming the rule and key."""
    by_name = {rule.name: rule for rule in rules}
    checked: dict[str, RuleConfig] = {}
    for name, value in (config or {}).items():
        rule = by_name.get(name)
        if rule is None:
            raise ConfigError(f"no rule named {name!r} (rules: {', '.join(by_name)})")
        if isinstance(value, str | Level):
            checked[name] = RuleConfig(_level(name, value))
        elif isinstance(value, Mapping):
            level = _level(name, value[LEVEL_KEY]) if LEVEL_KEY in value else None
            settings = {k: _checked_setting(rule, k, v) for k, v in value.items() if k != LEVEL_KEY}
            checked[name] = RuleConfig(level, settings)
        else:
            raise ConfigError(f"rule {name!r}: give a level or a mapping of settings, not {type(value).__name__}")
    return checked
