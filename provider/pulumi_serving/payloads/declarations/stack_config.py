"""Reading declarations from a stack file's ``config:`` mapping, and checks of that mapping as a whole."""

from __future__ import annotations

import contextlib
import difflib
import json
from collections.abc import Iterable
from typing import Any

from ..problems import Problem, join_path
from .checks import Items, items_of, overlay, semantic_problems, structural_problems, undeclared_secret_problems
from .models import DECLARATION_KEYS, NAMESPACE, PROVIDER_SETTINGS, TEXT_KEYS
from .secret_values import endpoint_secret_keys


def from_stack_config(config: dict[str, Any]) -> dict[str, Any]:
    """The declarations held by a stack file's ``config:`` mapping (``serving:<key>`` entries).

    Values that Pulumi stored as strings are decoded as JSON, as ``Config.get_object`` does, except the text keys
    (``name_suffix: -1`` stays text).
    """
    out = {}
    for key in DECLARATION_KEYS:
        if f"{NAMESPACE}:{key}" in config:
            value = config[f"{NAMESPACE}:{key}"]
            if isinstance(value, str) and key not in TEXT_KEYS:
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            out[key] = value
    return out


def stack_file_path(path: str) -> str:
    """Declaration path -> path in the stack file (``endpoints[0].name`` -> ``config.serving:endpoints[0].name``)."""
    return f"config.{NAMESPACE}:{path}" if path else "config"


def _named_secrets(data: Any) -> set[str]:
    """Config keys named as secret values (``value_from``, ``{secret: key}``), read leniently from raw data."""
    found: set[str] = set()
    scopes = data.get("scopes") if isinstance(data, dict) else None
    for scope in scopes if isinstance(scopes, list) else []:
        secrets = scope.get("secrets") if isinstance(scope, dict) else None
        for secret in secrets if isinstance(secrets, list) else []:
            if isinstance(secret, dict) and isinstance(secret.get("value_from"), str):
                found.add(secret["value_from"])
    endpoints = data.get("endpoints") if isinstance(data, dict) else None
    for endpoint in endpoints if isinstance(endpoints, list) else []:
        if isinstance(endpoint, dict) and isinstance(endpoint.get("config"), dict):
            found.update(endpoint_secret_keys(endpoint["config"])[1].values())
    return found


def unknown_key_problems(keys: Iterable[str], data: Any) -> list[Problem]:
    """Every ``serving:*`` config key must be a declaration, a provider setting or a named secret value.

    A typo (``serving:endpoint``) would otherwise declare nothing and make ``pulumi up`` delete everything.
    """
    known = set(DECLARATION_KEYS) | set(PROVIDER_SETTINGS)
    allowed = known | _named_secrets(data)
    problems = []
    for key in sorted(k[len(NAMESPACE) + 1 :] for k in keys if k.startswith(f"{NAMESPACE}:")):
        if key in allowed:
            continue
        close = difflib.get_close_matches(key, sorted(known), n=1)
        hint = f" (did you mean {NAMESPACE}:{close[0]}?)" if close else ""
        problems.append(
            Problem(
                key,
                f"unknown key{hint}: not a declaration ("
                f"{', '.join(f'{NAMESPACE}:{k}' for k in DECLARATION_KEYS)}), a provider setting "
                f"({', '.join(f'{NAMESPACE}:{k}' for k in PROVIDER_SETTINGS)}) or a secret named "
                "by a value_from or {secret: <key>}; left as is, `pulumi up` would ignore it and "
                "delete what it no longer declares",
            )
        )
    return problems


def secure_value_problems(items: Items, config: dict[str, Any], *, environment: bool = False) -> list[Problem]:
    """Every config key named by ``value_from`` / ``{secret: key}`` must exist as a secure value.

    With ``environment`` (the file imports Pulumi ESC environments), a key the file does not set may come from
    them, so only keys set in the file as plaintext are problems.
    """
    wanted: list[tuple[str, str]] = []
    for i, scope in items.scopes:
        for j, secret in enumerate(scope.secrets):
            wanted.append((join_path("scopes", i, "secrets", j, "value_from"), secret.value_from))
    for i, endpoint in items.endpoints:
        for path, key in endpoint_secret_keys(endpoint.config)[1].items():
            wanted.append((join_path("endpoints", i, "config", path), key))
    problems = []
    for path, key in wanted:
        value = config.get(f"{NAMESPACE}:{key}")
        if value is None and not environment:
            problems.append(
                Problem(
                    path,
                    f"config key {NAMESPACE}:{key} is not set (set it with "
                    f"`pulumi config set --secret {NAMESPACE}:{key}`)",
                )
            )
        elif value is not None and not (isinstance(value, dict) and "secure" in value):
            problems.append(
                Problem(
                    path,
                    f"config key {NAMESPACE}:{key} must be a secure value "
                    f"(`pulumi config set --secret {NAMESPACE}:{key}`), not plaintext",
                )
            )
    return problems


def validate_stack_config(
    config: dict[str, Any], schema: dict[str, Any], *, allow_external_secrets: bool = False, environment: bool = False
) -> list[Problem]:
    """Every problem of a stack file's declarations, with paths as they appear in the file.

    ``allow_external_secrets`` accepts ``{{secrets/...}}`` references to secrets this file does not declare;
    ``environment`` (the file has an ``environment:`` import) accepts secret values supplied by Pulumi ESC.
    """
    overlaid = overlay(from_stack_config(config), schema)
    data = overlaid.data
    structural = structural_problems(data, schema)
    items = items_of(data, structural)
    problems = structural + semantic_problems(items) + secure_value_problems(items, config, environment=environment)
    problems += unknown_key_problems(config, data)
    if not allow_external_secrets:
        problems += undeclared_secret_problems(items)
    problems = overlaid.problems + [overlaid.relocate(p) for p in problems]
    return [Problem(stack_file_path(p.path), p.message) for p in problems]
