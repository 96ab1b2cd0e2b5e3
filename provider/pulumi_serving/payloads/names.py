"""Name rules for endpoints, served entities, secret scopes and secret keys (docs/databricks-api.md#validation, docs/databricks-api.md#secrets)."""

from __future__ import annotations

import re

ENDPOINT_NAME_MAX = 63
SERVED_ENTITY_NAME_MAX = 63
SCOPE_NAME_MAX = 128
SECRET_KEY_MAX = 128
PRINCIPAL_NAME_MAX = 256  # user name (email), group name or service principal application id

_ENDPOINT_RE = re.compile(r"[A-Za-z0-9_-]+")
_ENTITY_RE = re.compile(r"[A-Za-z0-9_-]+")
_SCOPE_RE = re.compile(r"[A-Za-z0-9_.@-]+")
_SECRET_KEY_RE = re.compile(r"[A-Za-z0-9_.-]+")


def _problem(kind: str, value: object, pattern: re.Pattern[str], charset: str, max_len: int) -> str | None:
    if not isinstance(value, str):
        return f"{kind} must be a string"
    if not value:
        return f"{kind} must not be empty"
    if len(value) > max_len:
        return f"{kind} must be at most {max_len} characters (got {len(value)})"
    if not pattern.fullmatch(value):
        return f"{kind} {value!r} may contain only {charset}"
    if set(value) == {"."}:
        return f"{kind} {value!r} is not allowed (path traversal)"
    return None


def endpoint_name_problem(value: object) -> str | None:
    """Why ``value`` is not a valid serving endpoint name, or None when it is."""
    return _problem("endpoint name", value, _ENDPOINT_RE, "letters, digits, '-' and '_'", ENDPOINT_NAME_MAX)


def served_entity_name_problem(value: object) -> str | None:
    """Why ``value`` is not a valid served entity (or served model) name, or None."""
    return _problem("served entity name", value, _ENTITY_RE, "letters, digits, '-' and '_'", SERVED_ENTITY_NAME_MAX)


def scope_name_problem(value: object) -> str | None:
    """Why ``value`` is not a valid secret scope name, or None."""
    return _problem("scope name", value, _SCOPE_RE, "letters, digits, '-', '_', '.' and '@'", SCOPE_NAME_MAX)


def secret_key_problem(value: object) -> str | None:
    """Why ``value`` is not a valid secret key name, or None."""
    return _problem("secret key", value, _SECRET_KEY_RE, "letters, digits, '-', '_' and '.'", SECRET_KEY_MAX)


def principal_name_problem(value: object) -> str | None:
    """Why ``value`` is not a usable principal name (user, group or service principal), or None.

    Databricks principals are e-mail addresses, group names and application ids: printable text without
    surrounding spaces, at most PRINCIPAL_NAME_MAX characters."""
    if not isinstance(value, str):
        return "principal name must be a string"
    if not value.strip():
        return "principal name must not be empty"
    if len(value) > PRINCIPAL_NAME_MAX:
        return f"principal name must be at most {PRINCIPAL_NAME_MAX} characters (got {len(value)})"
    if value != value.strip():
        return "principal name must not start or end with spaces"
    if not value.isprintable():
        return "principal name must not contain control characters"
    return None


def default_served_entity_name(
    *, external_model_name: str | None = None, entity_name: str | None = None, entity_version: str | None = None
) -> str | None:
    """The name Databricks gives a served entity declared without one (docs/databricks-api.md#echo-rules)."""
    if external_model_name:
        return external_model_name.replace(".", "-").replace(":", "-")
    if entity_name:
        base = entity_name.replace(".", "-")
        return f"{base}-{entity_version}" if entity_version else base
    return None
