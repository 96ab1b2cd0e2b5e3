"""Checks of declarations beyond their schema: names, endpoint configs, secret placement and references."""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any

from .. import validate_ai_gateway, validate_endpoint_config
from ..endpoints import EndpointCoreConfigInput
from ..names import endpoint_name_problem, scope_name_problem, secret_key_problem
from ..problems import Problem, check, join_path, parse
from ..secret_ref_syntax import SecretRef
from ..secret_uses import config_secret_uses
from .json_schema import schema_problems
from .models import OVERRIDE_KEYS, Decl, EndpointDeclaration, ScopeDeclaration, StackDeclarations
from .overrides import Overlaid, apply_overrides, fixed_field_problems
from .secret_values import endpoint_secret_keys


@dataclass(frozen=True)
class Items:
    """The scopes and endpoints that passed the structural check, each with its index in the file."""

    scopes: list[tuple[int, ScopeDeclaration]]
    endpoints: list[tuple[int, EndpointDeclaration]]


#: the fields of an endpoint its semantic checks read: checked even when another field of it is broken
ENDPOINT_CHECKED_FIELDS = {"name": str, "config": dict, "ai_gateway": dict}


def items_of(data: Any, structural: list[Problem]) -> Items:
    """Items without a structural problem, so semantic checks still run on them when others are broken; an
    endpoint broken elsewhere (a bad tag, a rate limit) still has its name, config and AI gateway checked, so one
    run reports every problem."""
    broken = {p.path for p in structural}

    def broken_at(base: str) -> bool:
        return any(path == base or path.startswith((f"{base}.", f"{base}[")) for path in broken)

    def valid(field: str, model: type[Decl]) -> list[tuple[int, Any]]:
        values = data.get(field) if isinstance(data, dict) else None
        out = []
        for i, item in enumerate(values if isinstance(values, list) else []):
            base = join_path(field, i)
            if not broken_at(base) and not check(model, item):
                out.append((i, model.model_validate(item)))
            elif model is EndpointDeclaration and isinstance(item, dict):
                usable = {
                    key: item[key]
                    for key, kind in ENDPOINT_CHECKED_FIELDS.items()
                    if isinstance(item.get(key), kind) and not broken_at(join_path(base, key))
                }
                if {"name", "config"} <= set(usable):
                    out.append((i, EndpointDeclaration.model_construct(**usable)))
        return out

    return Items(valid("scopes", ScopeDeclaration), valid("endpoints", EndpointDeclaration))


def semantic_problems(items: Items) -> list[Problem]:
    """Checks beyond the schema: names, endpoint configs (spec), secret placement, duplicates."""
    problems: list[Problem] = []
    scopes: dict[str, set[str]] = {}  # the keys declared in each scope
    for i, scope in items.scopes:
        base = join_path("scopes", i)
        problems += _name_problems(join_path(base, "scope"), "scope", scope.scope, scope_name_problem, scopes)
        keys = scopes.setdefault(scope.scope, set())
        for j, secret in enumerate(scope.secrets):
            problems += _name_problems(
                join_path(base, "secrets", j, "key"), "key", secret.key, secret_key_problem, keys
            )
            keys.add(secret.key)
    names: set[str] = set()
    for i, endpoint in items.endpoints:
        base = join_path("endpoints", i)
        problems += _name_problems(join_path(base, "name"), "endpoint", endpoint.name, endpoint_name_problem, names)
        names.add(endpoint.name)
        problems += _config_problems(endpoint, join_path(base, "config"))
        if endpoint.ai_gateway and endpoint.ai_gateway.get("rate_limits"):
            problems.append(
                Problem(
                    join_path(base, "ai_gateway", "rate_limits"),
                    "declare rate limits in the endpoint's rate_limits, not in ai_gateway",
                )
            )
        elif endpoint.ai_gateway:
            problems += [
                Problem(join_path(base, "ai_gateway", p.path), p.message)
                for p in validate_ai_gateway(endpoint.ai_gateway)
            ]
    return problems


def _name_problems(
    path: str, kind: str, name: str, problem: Callable[[object], str | None], declared: Container[str]
) -> list[Problem]:
    """What is wrong with ``name`` itself, and that it is declared twice when it is among the ``declared`` ones."""
    found = [Problem(path, reason)] if (reason := problem(name)) else []
    if name in declared:
        found.append(Problem(path, f"{kind} {name!r} is declared twice"))
    return found


def _config_problems(endpoint: EndpointDeclaration, base: str) -> list[Problem]:
    config, secret_paths = endpoint_secret_keys(endpoint.config)
    problems = [
        Problem(join_path(base, path), "only *_plaintext credentials may take a {secret: <config key>} value")
        for path in secret_paths
        if not path.rsplit(".", 1)[-1].endswith("_plaintext")
    ]
    problems += [Problem(join_path(base, p.path), p.message) for p in validate_endpoint_config(config)]
    return problems


def secret_references(endpoints: list[tuple[int, EndpointDeclaration]]) -> list[tuple[str, SecretRef]]:
    """(path, ref) of every ``{{secrets/...}}`` the endpoints use (for valid configs only)."""
    out = []
    for i, endpoint in endpoints:
        config, _ = parse(EndpointCoreConfigInput, endpoint_secret_keys(endpoint.config)[0])
        if config is None:
            continue
        for use in config_secret_uses(config):
            out.append((join_path("endpoints", i, "config", use.path), use.ref))
    return out


def declared_secrets(scopes: list[tuple[int, ScopeDeclaration]]) -> set[SecretRef]:
    return {SecretRef(s.scope, secret.key) for _, s in scopes for secret in s.secrets}


def undeclared_secret_problems(items: Items) -> list[Problem]:
    """``{{secrets/scope/key}}`` references to secrets this file does not declare. An adopted scope keeps the
    secrets it holds, so a reference to one of its keys that the file does not declare is accepted."""
    declared = declared_secrets(items.scopes)
    scopes = {s.scope for _, s in items.scopes}
    adopted = {s.scope for _, s in items.scopes if s.adopt}
    hint = "declare it under serving:scopes, or pass --allow-external-secrets if it is managed elsewhere"
    problems = []
    for path, ref in secret_references(items.endpoints):
        if ref.scope not in scopes:
            problems.append(Problem(path, f"secret scope {ref.scope!r} of {ref} is not declared in this file; {hint}"))
        elif ref not in declared and ref.scope not in adopted:
            problems.append(
                Problem(
                    path,
                    f"secret {ref} is not declared in this file (scope {ref.scope!r} declares "
                    f"no key {ref.key!r}); {hint}",
                )
            )
    return problems


def structural_problems(data: Any, schema: dict[str, Any] | None) -> list[Problem]:
    problems = schema_problems(data, schema) if schema is not None else []
    return problems or check(StackDeclarations, data)


def overlay(data: Any, schema: dict[str, Any] | None) -> Overlaid:
    """The declarations with the stack's overrides applied, once the override keys' own shape is checked (when it
    is wrong, the overrides are reported and not applied)."""
    keys = {k: data[k] for k in OVERRIDE_KEYS if k in data} if isinstance(data, dict) else {}
    broken = fixed_field_problems(keys.get("endpoint_overrides")) or (structural_problems(keys, schema) if keys else [])
    if broken:
        return Overlaid({k: v for k, v in data.items() if k not in OVERRIDE_KEYS}, broken)
    return apply_overrides(data)


def parse_declarations(
    data: Any, schema: dict[str, Any] | None = None
) -> tuple[StackDeclarations | None, list[Problem]]:
    """Apply the stack's overrides, validate the result against the JSON Schema when given, else the models, then
    semantically.

    Semantic checks run on every scope and endpoint that is structurally valid, so one run lists every
    problem. Returns the model (None when anything is structurally invalid) and every problem.
    """
    overlaid = overlay(data, schema)
    data = overlaid.data
    structural = structural_problems(data, schema)
    problems = structural + semantic_problems(items_of(data, structural))
    problems = overlaid.problems + [overlaid.relocate(p) for p in problems]
    return (None if structural or overlaid.problems else StackDeclarations.model_validate(data)), problems
