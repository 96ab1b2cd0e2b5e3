"""A stack's declarations (scopes with secrets and ACLs, endpoints with rate limits) and their validation.

They live in the stack file under the ``serving`` namespace::

    config:
      serving:scopes:    [ {scope, secrets: [{key, value_from}], acls: [{principal, permission}]} ]
      serving:endpoints: [ {name, config, tags, ai_gateway, rate_limits, route_optimized, adopt} ]
      serving:wait_timeout: seconds to wait for every endpoint's config update

Secret values never appear here: a secret's ``value_from`` and any ``*_plaintext`` credential
(``{secret: <config key>}``) name another stack config key holding a Pulumi secure value.
``schemas/stack-declarations.schema.json`` is generated from these models (``schemas/generate.py``).
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from . import validate_ai_gateway, validate_endpoint_config
from .endpoints import AiGatewayRateLimit, EndpointCoreConfigInput, EndpointTag
from .names import endpoint_name_problem, scope_name_problem, secret_key_problem
from .problems import Problem, check, join_path
from .secret_refs import SecretRef
from .references import config_secret_uses

NAMESPACE = "serving"
CONFIG_KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]*$"


class _Decl(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class SecretValueRef(_Decl):
    """A value kept in another stack config key as a Pulumi secure value (``pulumi config set --secret``)."""

    secret: str = Field(pattern=CONFIG_KEY_PATTERN, description="config key (in the serving namespace) holding it")


class SecretDeclaration(_Decl):
    key: str = Field(description="secret key within the scope")
    value_from: str = Field(pattern=CONFIG_KEY_PATTERN,
                            description="config key (serving namespace) whose secure value is the secret value")
    encoding: Literal["string", "base64"] = Field("string", description="base64 values are sent as bytes_value")


class AclDeclaration(_Decl):
    principal: str = Field(min_length=1)
    permission: Literal["READ", "WRITE", "MANAGE"]


class ScopeDeclaration(_Decl):
    scope: str
    id: str | None = Field(None, pattern=CONFIG_KEY_PATTERN,
                           description="stable resource name (defaults to scope); keep it to rename in place")
    initial_manage_principal: Literal["users"] | None = None
    adopt: bool = Field(False, description="take over an existing scope of the same name")
    secrets: list[SecretDeclaration] = Field(default_factory=list)
    acls: list[AclDeclaration] = Field(default_factory=list)


class EndpointDeclaration(_Decl):
    name: str = Field(description="endpoint name (changing it replaces the endpoint)")
    config: dict[str, Any] = Field(description="EndpointCoreConfigInput, as in the Databricks API; *_plaintext "
                                               "credentials are given as {secret: <config key>}")
    tags: list[EndpointTag] | dict[str, str] | None = None
    route_optimized: bool | None = None
    ai_gateway: dict[str, Any] | None = Field(None, description="AI gateway sections except rate_limits")
    rate_limits: list[AiGatewayRateLimit] | None = Field(None, description="AI gateway rate limits; 0 blocks")
    adopt: bool = Field(False, description="take over an existing endpoint of the same name")
    id: str | None = Field(None, pattern=CONFIG_KEY_PATTERN,
                           description="stable resource name (defaults to name); keep it to rename in place")


class StackDeclarations(_Decl):
    """Everything ``stacks/__main__.py`` declares for one stack."""

    scopes: list[ScopeDeclaration] = Field(default_factory=list)
    endpoints: list[EndpointDeclaration] = Field(default_factory=list)
    wait_timeout: float = Field(1200.0, gt=0, description="seconds to wait for all endpoints to be ready")


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


def resolve_secret_values(config: dict[str, Any], resolve: Any) -> dict[str, Any]:
    """A copy of ``config`` where each ``{secret: key}`` becomes ``resolve(key)`` (a Pulumi secret Output)."""
    if isinstance(config, dict):
        if set(config) == {"secret"} and isinstance(config["secret"], str):
            return resolve(config["secret"])
        return {k: resolve_secret_values(v, resolve) for k, v in config.items()}
    if isinstance(config, list):
        return [resolve_secret_values(v, resolve) for v in config]
    return config


@dataclass(frozen=True)
class Items:
    """The scopes and endpoints that passed the structural check, each with its index in the file."""

    scopes: list[tuple[int, ScopeDeclaration]]
    endpoints: list[tuple[int, EndpointDeclaration]]


def _items(data: Any, structural: list[Problem]) -> Items:
    """Items without a structural problem, so semantic checks still run on them when others are broken."""
    broken = {p.path for p in structural}

    def valid(field: str, model: type[_Decl]) -> list[tuple[int, Any]]:
        values = data.get(field) if isinstance(data, dict) else None
        out = []
        for i, item in enumerate(values if isinstance(values, list) else []):
            base = join_path(field, i)
            if not any(path == base or path.startswith((f"{base}.", f"{base}[")) for path in broken) \
                    and not check(model, item):
                out.append((i, model.model_validate(item)))
        return out

    return Items(valid("scopes", ScopeDeclaration), valid("endpoints", EndpointDeclaration))


def semantic_problems(items: Items) -> list[Problem]:
    """Checks beyond the schema: names, endpoint configs (spec), secret placement, duplicates."""
    problems: list[Problem] = []
    scopes: dict[str, set[str]] = {}
    for i, scope in items.scopes:
        base = join_path("scopes", i)
        if reason := scope_name_problem(scope.scope):
            problems.append(Problem(join_path(base, "scope"), reason))
        if scope.scope in scopes:
            problems.append(Problem(join_path(base, "scope"), f"scope {scope.scope!r} is declared twice"))
        keys = scopes.setdefault(scope.scope, set())
        for j, secret in enumerate(scope.secrets):
            if reason := secret_key_problem(secret.key):
                problems.append(Problem(join_path(base, "secrets", j, "key"), reason))
            if secret.key in keys:
                problems.append(Problem(join_path(base, "secrets", j, "key"), f"key {secret.key!r} is declared twice"))
            keys.add(secret.key)
    names: set[str] = set()
    for i, endpoint in items.endpoints:
        base = join_path("endpoints", i)
        if reason := endpoint_name_problem(endpoint.name):
            problems.append(Problem(join_path(base, "name"), reason))
        if endpoint.name in names:
            problems.append(Problem(join_path(base, "name"), f"endpoint {endpoint.name!r} is declared twice"))
        names.add(endpoint.name)
        problems += _config_problems(endpoint, join_path(base, "config"))
        if endpoint.ai_gateway and endpoint.ai_gateway.get("rate_limits"):
            problems.append(Problem(join_path(base, "ai_gateway", "rate_limits"),
                                    "declare rate limits in the endpoint's rate_limits, not in ai_gateway"))
        elif endpoint.ai_gateway:
            problems += [Problem(join_path(base, "ai_gateway", p.path), p.message)
                         for p in validate_ai_gateway(endpoint.ai_gateway)]
    return problems


def _config_problems(endpoint: EndpointDeclaration, base: str) -> list[Problem]:
    config, secret_paths = endpoint_secret_keys(endpoint.config)
    problems = [Problem(join_path(base, path), "only *_plaintext credentials may take a {secret: <config key>} value")
                for path in secret_paths if not path.rsplit(".", 1)[-1].endswith("_plaintext")]
    problems += [Problem(join_path(base, p.path), p.message) for p in validate_endpoint_config(config)]
    return problems


def secret_references(endpoints: list[tuple[int, EndpointDeclaration]]) -> list[tuple[str, SecretRef]]:
    """(path, ref) of every ``{{secrets/...}}`` the endpoints use (for valid configs only)."""
    out = []
    for i, endpoint in endpoints:
        config = endpoint_secret_keys(endpoint.config)[0]
        if validate_endpoint_config(config):
            continue
        for use in config_secret_uses(EndpointCoreConfigInput.model_validate(config)):
            out.append((join_path("endpoints", i, "config", use.path), use.ref))
    return out


def declared_secrets(scopes: list[tuple[int, ScopeDeclaration]]) -> set[SecretRef]:
    return {SecretRef(s.scope, secret.key) for _, s in scopes for secret in s.secrets}


def undeclared_secret_problems(items: Items) -> list[Problem]:
    """``{{secrets/scope/key}}`` references to secrets this file does not declare."""
    declared = declared_secrets(items.scopes)
    scopes = {ref.scope for ref in declared}
    hint = "declare it under serving:scopes, or pass --allow-external-secrets if it is managed elsewhere"
    problems = []
    for path, ref in secret_references(items.endpoints):
        if ref.scope not in scopes:
            problems.append(Problem(path, f"secret scope {ref.scope!r} of {ref} is not declared in this file; {hint}"))
        elif ref not in declared:
            problems.append(Problem(path, f"secret {ref} is not declared in this file (scope {ref.scope!r} declares "
                                          f"no key {ref.key!r}); {hint}"))
    return problems


def _structural(data: Any, schema: dict[str, Any] | None) -> list[Problem]:
    problems = schema_problems(data, schema) if schema is not None else []
    return problems or check(StackDeclarations, data)


def parse_declarations(data: Any, schema: dict[str, Any] | None = None
                       ) -> tuple[StackDeclarations | None, list[Problem]]:
    """Validate raw declarations against the JSON Schema when given, else the models, then semantically.

    Semantic checks run on every scope and endpoint that is structurally valid, so one run lists every
    problem. Returns the model (None when anything is structurally invalid) and every problem.
    """
    structural = _structural(data, schema)
    problems = structural + semantic_problems(_items(data, structural))
    return (None if structural else StackDeclarations.model_validate(data)), problems


SCHEMA_ID = "https://pulumi-serving.dev/schemas/stack-declarations.schema.json"


def _plaintext_accepts_secret_ref(node: Any) -> None:
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            if name.endswith("_plaintext"):
                node["properties"][name] = {"anyOf": [{"$ref": "#/$defs/SecretValueRef"}, {"type": "null"}],
                                            "description": "write-only credential: {secret: <config key>}"}
        for value in node.values():
            _plaintext_accepts_secret_ref(value)
    elif isinstance(node, list):
        for value in node:
            _plaintext_accepts_secret_ref(value)


def json_schema() -> dict[str, Any]:
    """JSON Schema of the ``serving:*`` stack config keys, endpoint configs typed by the spec models."""
    from .endpoints import AiGatewayConfig

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
            if prop == "ai_gateway" else {**ref, "description": described.get("description", "")})
    for name, definition in defs.items():
        if name != "SecretValueRef":
            _plaintext_accepts_secret_ref(definition)
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
        return error.message
    if kind == "enum":
        return f"unknown value; expected one of {', '.join(map(str, expected))}"
    if kind == "const":
        return f"must be {expected!r}"
    if kind == "type":
        return f"must be of type {expected if isinstance(expected, str) else ' or '.join(expected)}"
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "minLength", "maxLength",
                "minItems", "maxItems", "pattern"):
        return f"violates {kind} {expected}"
    return f"is invalid ({kind})"


DECLARATION_KEYS = ("scopes", "endpoints", "wait_timeout")


def from_stack_config(config: dict[str, Any]) -> dict[str, Any]:
    """The declarations held by a stack file's ``config:`` mapping (``serving:<key>`` entries).

    Scalars that Pulumi stored as strings are decoded as JSON, as ``Config.get_object`` does.
    """
    import json

    out = {}
    for key in DECLARATION_KEYS:
        if f"{NAMESPACE}:{key}" in config:
            value = config[f"{NAMESPACE}:{key}"]
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            out[key] = value
    return out


def stack_file_path(path: str) -> str:
    """Declaration path -> path in the stack file (``endpoints[0].name`` -> ``config.serving:endpoints[0].name``)."""
    return f"config.{NAMESPACE}:{path}" if path else "config"


PROVIDER_SETTINGS = ("host", "token", "profile")


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
        if isinstance(endpoint, dict):
            found.update(endpoint_secret_keys(endpoint.get("config"))[1].values())
    return found


def unknown_key_problems(keys: Iterable[str], data: Any) -> list[Problem]:
    """Every ``serving:*`` config key must be a declaration, a provider setting or a named secret value.

    A typo (``serving:endpoint``) would otherwise declare nothing and make ``pulumi up`` delete everything.
    """
    known = set(DECLARATION_KEYS) | set(PROVIDER_SETTINGS)
    allowed = known | _named_secrets(data)
    problems = []
    for key in sorted(k[len(NAMESPACE) + 1:] for k in keys if k.startswith(f"{NAMESPACE}:")):
        if key in allowed:
            continue
        close = difflib.get_close_matches(key, sorted(known), n=1)
        hint = f" (did you mean {NAMESPACE}:{close[0]}?)" if close else ""
        problems.append(Problem(key, f"unknown key{hint}: not a declaration ("
                                     f"{', '.join(f'{NAMESPACE}:{k}' for k in DECLARATION_KEYS)}), a provider setting "
                                     f"({', '.join(f'{NAMESPACE}:{k}' for k in PROVIDER_SETTINGS)}) or a secret named "
                                     "by a value_from or {secret: <key>}; left as is, `pulumi up` would ignore it and "
                                     "delete what it no longer declares"))
    return problems


def secure_value_problems(items: Items, config: dict[str, Any]) -> list[Problem]:
    """Every config key named by ``value_from`` / ``{secret: key}`` must exist as a secure value."""
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
        if value is None:
            problems.append(Problem(path, f"config key {NAMESPACE}:{key} is not set (set it with "
                                          f"`pulumi config set --secret {NAMESPACE}:{key}`)"))
        elif not (isinstance(value, dict) and "secure" in value):
            problems.append(Problem(path, f"config key {NAMESPACE}:{key} must be a secure value "
                                          f"(`pulumi config set --secret {NAMESPACE}:{key}`), not plaintext"))
    return problems


def validate_stack_config(config: dict[str, Any], schema: dict[str, Any], *,
                          allow_external_secrets: bool = False) -> list[Problem]:
    """Every problem of a stack file's declarations, with paths as they appear in the file.

    ``allow_external_secrets`` accepts ``{{secrets/...}}`` references to secrets this file does not declare.
    """
    data = from_stack_config(config)
    structural = _structural(data, schema)
    items = _items(data, structural)
    problems = structural + semantic_problems(items) + secure_value_problems(items, config)
    problems += unknown_key_problems(config, data)
    if not allow_external_secrets:
        problems += undeclared_secret_problems(items)
    return [Problem(stack_file_path(p.path), p.message) for p in problems]
