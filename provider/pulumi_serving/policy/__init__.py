"""pulumi-serving's policy pack: rules for the serving resources, enforced by ``pulumi preview --policy-pack DIR``.

The rules (``rules.py``) are pure functions of resource properties; ``pack.py`` serves them through pulumi-policy
(the ``policy`` extra). Every rule, its level and settings: docs/policy.md. A pack directory's ``__main__.py``::

    from pulumi_serving.policy import run_pack

    run_pack({"required-tags": {"tags": ["team", "cost-center"]}, "ai-gateway-observability": "disabled"})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .configuration import ConfigError, RuleConfig, pack_config
from .model import UNKNOWN, Level, ResourceView, Rule, Setting, Violation
from .rules import RULES, RULES_BY_NAME

PACK_NAME = "pulumi-serving"

__all__ = [
    "PACK_NAME",
    "RULES",
    "RULES_BY_NAME",
    "UNKNOWN",
    "ConfigError",
    "Level",
    "ResourceView",
    "Rule",
    "RuleConfig",
    "Setting",
    "Violation",
    "pack_config",
    "run_pack",
]


def run_pack(config: Mapping[str, Any] | None = None, *, name: str = PACK_NAME, rules: Sequence[Rule] = RULES) -> None:
    """Serve the rules as the policy pack ``name`` until the engine stops it.

    ``config`` maps a rule name to its level (``"advisory"``, ``"mandatory"``, ``"disabled"``) or to its settings
    with an optional ``enforcementLevel``; a ``--policy-pack-config`` file overrides it. A bad configuration or a
    missing pulumi-policy ends the pack with one line saying what to do.
    """
    try:
        from . import pack
    except ModuleNotFoundError as exc:
        if exc.name != "pulumi_policy":
            raise
        raise SystemExit(
            "pulumi-serving policy pack: pulumi-policy is not installed in the pack's Python environment; "
            "install it with `pip install 'pulumi-serving[policy]'`"
        ) from None
    try:
        pack.serve(name, rules, config)
    except ConfigError as exc:
        raise SystemExit(f"pulumi-serving policy pack: {exc}") from None
