"""``{secret: <config key>}`` values in declarations: find them, and resolve them to Pulumi secrets."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ..problems import join_path


def _secret_placeholders(value: Any, path: str, found: dict[str, str]) -> Any:
    """Replace ``{secret: k}`` objects by placeholders, recording {path: config key}."""
    if isinstance(value, dict):
        if set(value) == {"secret"} and isinstance(value["secret"], str):
            found[path] = value["secret"]
            return f"<secret:{value['secret']}>"
        return {k: _secret_placeholders(v, join_path(path, k), found) for k, v in value.items()}
    if isinstance(value, list):
        return [_secret_placeholders(v, join_path(path, i), found) for i, v in enumerate(value)]
    return value


def endpoint_secret_keys(config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(config with placeholders, {path: config key}) for the ``{secret: key}`` values of an endpoint config."""
    found: dict[str, str] = {}
    return _secret_placeholders(copy.deepcopy(config), "", found), found


def resolve_secret_values(config: Any, resolve: Callable[[str], Any]) -> Any:
    """A copy of ``config`` where each ``{secret: key}`` becomes ``resolve(key)`` (a Pulumi secret Output)."""
    if isinstance(config, dict):
        if set(config) == {"secret"} and isinstance(config["secret"], str):
            return resolve(config["secret"])
        return {k: resolve_secret_values(v, resolve) for k, v in config.items()}
    if isinstance(config, list):
        return [resolve_secret_values(v, resolve) for v in config]
    return config
