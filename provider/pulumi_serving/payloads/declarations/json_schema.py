"""JSON Schema of the declarations (generated from the models) and validation of raw data against it.

``schemas/stack-declarations.schema.json`` is this schema, checked in (``schemas/generate.py``).
"""

from __future__ import annotations

from typing import Any

from ..endpoints import AiGatewayConfig, EndpointCoreConfigInput
from ..problems import Problem, join_path
from .models import FIXED_FIELDS, SecretValueRef, StackDeclarations

SCHEMA_ID = "https://pulumi-serving.dev/schemas/stack-declarations.schema.json"


def _plaintext_accepts_secret_ref(node: Any) -> None:
    if isinstance(node, dict):
        for name, _prop in (node.get("properties") or {}).items():
            if name.endswith("_plaintext"):
                node["properties"][name] = {
                    "anyOf": [{"$ref": "#/$defs/SecretValueRef"}, {"type": "null"}],
                    "description": "write-only credential: {secret: <config key>}",
                }
        for value in node.values():
            _plaintext_accepts_secret_ref(value)
    elif isinstance(node, list):
        for value in node:
            _plaintext_accepts_secret_ref(value)


def _endpoint_override(endpoint: dict[str, Any]) -> dict[str, Any]:
    """An endpoint's fields, none required, name and id fixed; a mapping field is a partial patch (checked once
    merged), a null removes the field."""
    properties = {}
    for name, prop in endpoint["properties"].items():
        if name in FIXED_FIELDS:
            continue
        merged = name in ("config", "ai_gateway")
        typed = {"type": ["object", "null"]} if merged else {"anyOf": [prop, {"type": "null"}]}
        properties[name] = {**typed, "description": prop.get("description", "")}
    return {
        "type": "object",
        "title": "EndpointOverride",
        "description": "a JSON merge patch over one declared endpoint",
        "properties": properties,
        "additionalProperties": False,
    }


def json_schema() -> dict[str, Any]:
    """JSON Schema of the ``serving:*`` stack config keys, endpoint configs typed by the spec models."""
    decl = StackDeclarations.model_json_schema()
    defs = decl.setdefault("$defs", {})
    defs["SecretValueRef"] = SecretValueRef.model_json_schema()
    for model, prop in ((EndpointCoreConfigInput, "config"), (AiGatewayConfig, "ai_gateway")):
        sub = model.model_json_schema()
        for name, definition in sub.pop("$defs", {}).items():
            defs.setdefault(name, definition)
        defs[model.__name__] = sub
        described = defs["EndpointDeclaration"]["properties"][prop]
        ref = {"$ref": f"#/$defs/{model.__name__}"}
        defs["EndpointDeclaration"]["properties"][prop] = (
            {"anyOf": [ref, {"type": "null"}], "description": described.get("description", "")}
            if prop == "ai_gateway"
            else {**ref, "description": described.get("description", "")}
        )
    for name, definition in defs.items():
        if name != "SecretValueRef":
            _plaintext_accepts_secret_ref(definition)
    defs["EndpointOverride"] = _endpoint_override(defs["EndpointDeclaration"])
    decl["properties"]["endpoint_overrides"]["additionalProperties"] = {"$ref": "#/$defs/EndpointOverride"}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **decl}


def schema_problems(data: Any, schema: dict[str, Any], prefix: str = "") -> list[Problem]:
    """Problems found validating ``data`` against the JSON Schema ``schema`` (the checked-in file).

    Messages never quote the offending value: it could be a credential typed in the wrong place.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in validator.iter_errors(data):
        while error.context:
            error = _most_specific(error.context)
        problems.append(Problem(join_path(prefix, *error.absolute_path), _schema_message(error)))
    return sorted(set(problems), key=lambda p: p.path)


def _most_specific(errors: Any) -> Any:
    """Among an anyOf's branch errors, the deepest one that is not "should have been null"."""
    candidates = [e for e in errors if not (e.validator == "type" and e.validator_value == "null")] or list(errors)
    return max(candidates, key=lambda e: len(list(e.absolute_path)))


def _schema_message(error: Any) -> str:
    path = [str(p) for p in error.absolute_path]
    if path and path[-1].endswith("_plaintext"):
        return "must be {secret: <config key>}: write-only credentials never appear in the stack file"
    kind, expected = error.validator, error.validator_value
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"unknown field(s): {', '.join(extra)}"
    if kind == "required":
        return str(error.message)
    if kind == "enum":
        return f"unknown value; expected one of {', '.join(map(str, expected))}"
    if kind == "const":
        return f"must be {expected!r}"
    if kind == "type":
        return f"must be of type {expected if isinstance(expected, str) else ' or '.join(expected)}"
    if kind in (
        "minimum",
        "exclusiveMinimum",
        "maximum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "pattern",
    ):
        return f"violates {kind} {expected}"
    return f"is invalid ({kind})"
