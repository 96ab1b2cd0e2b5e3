"""Turn a stack's declarations (``serving:scopes``, ``serving:endpoints``) into pulumi-serving resources.

Declarations are validated against ``schemas/stack-declarations.schema.json`` and the spec before any
resource is declared; a bad declaration fails the preview with one line per problem. Dependencies:
scope -> secrets / ACLs -> endpoints that reference them -> readiness gate -> rate limits.
"""

from __future__ import annotations

import json
from pathlib import Path

import pulumi

from pulumi_serving.resources import (EndpointsReady, RateLimits, Secret, SecretAcl, SecretScope,
                                      ServingEndpoint)
from pulumi_serving.spec.declarations import (DECLARATION_KEYS, NAMESPACE, StackDeclarations, endpoint_secret_keys,
                                              parse_declarations, resolve_secret_values, stack_file_path,
                                              unknown_key_problems)
from pulumi_serving.spec import config_secret_uses, EndpointCoreConfigInput

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "stack-declarations.schema.json"
config = pulumi.Config(NAMESPACE)


def config_keys() -> set[str]:
    """Every key set in this stack's config (``namespace:key``)."""
    return set(pulumi.runtime.config.CONFIG.get()) | set(pulumi.runtime.config.get_config_env())


def load() -> StackDeclarations:
    data = {key: config.get_object(key) for key in DECLARATION_KEYS}
    data = {key: value for key, value in data.items() if value is not None}
    decl, problems = parse_declarations(data, json.loads(SCHEMA.read_text()))
    problems += unknown_key_problems(config_keys(), data)
    if problems or decl is None:
        raise pulumi.RunError("invalid declarations in the stack file:\n" +
                              "\n".join(f"  {stack_file_path(p.path)}: {p.message}" for p in problems))
    return decl


def declare_scopes(decl: StackDeclarations) -> dict[str, Secret]:
    secrets: dict[str, Secret] = {}
    for scope in decl.scopes:
        name = scope.id or scope.scope
        resource = SecretScope(name, scope=scope.scope, initial_manage_principal=scope.initial_manage_principal,
                               adopt=scope.adopt)
        for secret in scope.secrets:
            value = config.require_secret(secret.value_from)
            kind = {"bytes_value": value} if secret.encoding == "base64" else {"string_value": value}
            secrets[f"{scope.scope}/{secret.key}"] = Secret(f"{name}/{secret.key}", scope=resource.scope,
                                                            key=secret.key, **kind)
        for acl in scope.acls:
            SecretAcl(f"{name}/{acl.principal}", scope=resource.scope, principal=acl.principal,
                      permission=acl.permission)
    return secrets


def declare_endpoints(decl: StackDeclarations, secrets: dict[str, Secret]) -> None:
    endpoints: list[ServingEndpoint] = []
    limits = []
    for endpoint in decl.endpoints:
        placeholders = endpoint_secret_keys(endpoint.config)[0]
        refs = sorted({f"{u.ref.scope}/{u.ref.key}" for u in
                       config_secret_uses(EndpointCoreConfigInput.model_validate(placeholders))})
        resource = ServingEndpoint(
            endpoint.id or endpoint.name, endpoint_name=endpoint.name,
            config=resolve_secret_values(endpoint.config, config.require_secret),
            tags=[t.model_dump(exclude_none=True) for t in endpoint.tags] if isinstance(endpoint.tags, list)
            else endpoint.tags,
            route_optimized=endpoint.route_optimized, ai_gateway=endpoint.ai_gateway, adopt=endpoint.adopt,
            wait=False, wait_timeout=decl.wait_timeout, known_secrets=[r for r in refs if r in secrets],
            opts=pulumi.ResourceOptions(depends_on=[secrets[r] for r in refs if r in secrets]))
        endpoints.append(resource)
        if endpoint.rate_limits is not None:
            limits.append((endpoint, resource))
    if not endpoints:
        return
    # One gate waits for every endpoint at once (the provider host runs only 4 calls in parallel).
    ready = EndpointsReady("endpoints-ready", endpoints=endpoints, wait_timeout=decl.wait_timeout)
    for endpoint, resource in limits:
        RateLimits(f"{endpoint.id or endpoint.name}/rate-limits", endpoint=resource.endpoint_name,
                   rate_limits=[l.model_dump(exclude_none=True) for l in endpoint.rate_limits or []],
                   opts=pulumi.ResourceOptions(depends_on=[ready]))
    pulumi.export("endpoint_names", [e.name for e in decl.endpoints])
    pulumi.export("endpoints", {e.name: {"invocation_url": r.invocation_url, "config_version": r.config_version}
                                for e, r in zip(decl.endpoints, endpoints)})


declarations = load()
declare_endpoints(declarations, declare_scopes(declarations))
