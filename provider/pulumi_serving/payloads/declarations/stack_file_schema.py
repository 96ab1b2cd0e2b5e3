"""JSON Schema of a whole Pulumi stack file (``Pulumi.<stack>.yaml``) holding pulumi-serving declarations.

Pulumi's own top-level keys (``config``, ``encryptionsalt``, ``secretsprovider``, ``encryptedkey``, ``environment``)
are accepted; inside ``config`` the ``serving:*`` declarations are typed by the declarations schema, provider settings
and secure values are described, and other namespaces' keys are left free.
"""

from __future__ import annotations

from typing import Any

from .json_schema import json_schema
from .models import NAMESPACE

STACK_FILE_SCHEMA_ID = "https://pulumi-serving.dev/schemas/stack-file.schema.json"

_SECURE = {
    "type": "object",
    "properties": {"secure": {"type": "string", "description": "ciphertext"}},
    "required": ["secure"],
    "additionalProperties": False,
    "description": "a Pulumi secure value (`pulumi config set --secret KEY VALUE`)",
}
_JSON_TEXT = {"type": "string", "description": "the same value as JSON text (as `pulumi config set` writes it)"}
_SETTINGS = {
    "host": {"type": "string", "description": "serving API URL (else DATABRICKS_HOST or a profile)"},
    "token": {
        "anyOf": [{"$ref": "#/$defs/SecureValue"}, {"type": "string"}],
        "description": "bearer token, a secure value (else DATABRICKS_TOKEN, OAuth M2M or a profile)",
    },
    "profile": {"type": "string", "description": "~/.databrickscfg profile"},
}


def stack_file_schema() -> dict[str, Any]:
    """The schema of a stack file: Pulumi's keys, with ``config`` holding typed ``serving:*`` declarations."""
    declarations = json_schema()
    defs = {**declarations["$defs"], "SecureValue": _SECURE}
    serving: dict[str, Any] = {}
    for key, prop in declarations["properties"].items():
        typed = {k: v for k, v in prop.items() if k not in ("default", "title", "description")}
        serving[f"{NAMESPACE}:{key}"] = {"anyOf": [typed, _JSON_TEXT], "description": prop.get("description", "")}
    serving.update({f"{NAMESPACE}:{key}": value for key, value in _SETTINGS.items()})
    environment = {
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}],
        "description": "Pulumi ESC environments imported into this stack's config",
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": STACK_FILE_SCHEMA_ID,
        "title": "Pulumi stack file with pulumi-serving declarations",
        "type": "object",
        "properties": {
            "config": {
                "type": "object",
                "properties": serving,
                "additionalProperties": True,
                "description": f"stack config; {NAMESPACE}:* keys not listed here are secure values named "
                "by value_from or {secret: <key>}",
            },
            "encryptionsalt": {"type": "string", "description": "passphrase secrets provider salt"},
            "secretsprovider": {"type": "string", "description": "secrets provider URL"},
            "encryptedkey": {"type": "string", "description": "data key of a cloud secrets provider"},
            "environment": environment,
        },
        "additionalProperties": False,
        "$defs": defs,
    }
