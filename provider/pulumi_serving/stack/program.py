"""Turn a stack's declarations (``serving:scopes``, ``serving:endpoints``) into pulumi-serving resources.

Declarations are validated against the bundled declarations schema and the spec before any resource is
declared; a bad declaration fails the preview with one line per problem. Dependencies:
scope -> secrets / ACLs -> endpoints that reference them -> readiness gate -> rate limits, plus one
``DeclaredScopes`` so a preview sees which scopes and secrets an update deletes (docs/day-2.md).
"""

from __future__ import annotations

from typing import Any

import pulumi

from ..payloads import EndpointCoreConfigInput, config_secret_uses
from ..payloads.declarations import (
    DECLARATION_KEYS,
    NAMESPACE,
    StackDeclarations,
    endpoint_secret_keys,
    from_stack_config,
    parse_declarations,
    resolve_secret_values,
    stack_file_path,
    unknown_key_problems,
)
from ..payloads.endpoint_fields import FLAG_FIELDS, TEXT_FIELDS
from ..resources import (
    EndpointPermissions,
    EndpointsReady,
    RateLimits,
    Secret,
    SecretAcl,
    SecretScope,
    SecretScopeAcls,
    ServingEndpoint,
)
from .declared_scopes import DeclaredScopes
from .schemas import bundled_schema


def _checked(value: object) -> Any:
    """A declaration value already checked against the schema and the spec: the typed argument it matches."""
    return value


def _config_keys() -> set[str]:
    """Every key set in this stack's config (``namespace:key``), ESC environment imports included."""
    return set(pulumi.runtime.config.CONFIG.get()) | set(pulumi.runtime.config.get_config_env())


def load(config: pulumi.Config | None = None) -> StackDeclarations:
    """The stack's declarations, or a ``pulumi.RunError`` listing every problem with its stack-file path."""
    config = config or pulumi.Config(NAMESPACE)
    data = from_stack_config(
        {f"{NAMESPACE}:{key}": value for key in DECLARATION_KEYS if (value := config.get(key)) is not None}
    )
    decl, problems = parse_declarations(data, bundled_schema())
    problems += unknown_key_problems(_config_keys(), data)
    if problems or decl is None:
        raise pulumi.RunError(
            "invalid declarations in the stack file:\n"
            + "\n".join(f"  {stack_file_path(p.path)}: {p.message}" for p in problems)
        )
    return decl


def declare_scopes(decl: StackDeclarations, config: pulumi.Config | None = None) -> dict[str, Secret]:
    """Scopes with their secrets and ACLs; returns the secrets by ``scope/key``."""
    config = config or pulumi.Config(NAMESPACE)
    secrets: dict[str, Secret] = {}
    for scope in decl.scopes:
        name = scope.id or scope.scope
        resource = SecretScope(
            name,
            scope=scope.scope,
            initial_manage_principal=scope.initial_manage_principal,
            adopt=scope.adopt,
            acls_declared=scope.authoritative_acls,
        )
        for secret in scope.secrets:
            value = config.require_secret(secret.value_from)
            base64 = secret.encoding == "base64"
            secrets[f"{scope.scope}/{secret.key}"] = Secret(
                f"{name}/{secret.key}",
                scope=resource.scope,
                key=secret.key,
                string_value=None if base64 else value,
                bytes_value=value if base64 else None,
            )
        if scope.authoritative_acls:  # beside the SecretAcls, so turning it on or off revokes no declared grant
            SecretScopeAcls(
                f"{name}/acls",
                scope=resource.scope,
                acls=[{"principal": a.principal, "permission": a.permission} for a in scope.acls],
            )
        for acl in scope.acls:
            SecretAcl(
                f"{name}/{acl.principal}", scope=resource.scope, principal=acl.principal, permission=acl.permission
            )
    return secrets


def declare_endpoints(
    decl: StackDeclarations, secrets: dict[str, Secret], config: pulumi.Config | None = None
) -> list[ServingEndpoint]:
    """Endpoints (depending on the declared secrets they reference) with their permissions, one readiness gate,
    then rate limits."""
    config = config or pulumi.Config(NAMESPACE)
    endpoints: list[ServingEndpoint] = []
    limits = []
    for endpoint in decl.endpoints:
        placeholders = endpoint_secret_keys(endpoint.config)[0]
        refs = sorted(
            {
                f"{u.ref.scope}/{u.ref.key}"
                for u in config_secret_uses(EndpointCoreConfigInput.model_validate(placeholders))
            }
        )
        scopes = {ref.split("/")[0] for ref in refs} & {s.scope for s in decl.scopes}
        resource = ServingEndpoint(
            endpoint.id or endpoint.name,
            endpoint_name=endpoint.name,
            config=_checked(resolve_secret_values(endpoint.config, config.require_secret)),
            tags=_checked(
                [t.model_dump(exclude_none=True) for t in endpoint.tags]
                if isinstance(endpoint.tags, list)
                else endpoint.tags
            ),
            ai_gateway=_checked(endpoint.ai_gateway),
            adopt=endpoint.adopt,
            **{field: getattr(endpoint, field) for field in FLAG_FIELDS + TEXT_FIELDS},
            telemetry_config=endpoint.telemetry_config,
            email_notifications=_checked(
                endpoint.email_notifications.model_dump(exclude_none=True) if endpoint.email_notifications else None
            ),
            wait=False,
            wait_timeout=decl.wait_timeout,
            known_secrets=[r for r in refs if r in secrets],
            known_scopes=sorted(scopes),
            allow_broken_references=endpoint.allow_broken_references,
            opts=pulumi.ResourceOptions(depends_on=[secrets[r] for r in refs if r in secrets]),
        )
        endpoints.append(resource)
        if endpoint.permissions is not None:
            EndpointPermissions(
                f"{endpoint.id or endpoint.name}/permissions",
                endpoint=resource,
                access_control_list=_checked([p.model_dump(exclude_none=True) for p in endpoint.permissions]),
            )
        if endpoint.rate_limits is not None:
            limits.append((endpoint, resource))
    if not endpoints:
        return endpoints
    # One gate waits for every endpoint at once (the provider host runs only 4 calls in parallel).
    ready = EndpointsReady("endpoints-ready", endpoints=endpoints, wait_timeout=decl.wait_timeout)
    for endpoint, resource in limits:
        RateLimits(
            f"{endpoint.id or endpoint.name}/rate-limits",
            endpoint=resource,
            rate_limits=_checked([limit.model_dump(exclude_none=True) for limit in endpoint.rate_limits or []]),
            opts=pulumi.ResourceOptions(depends_on=[ready]),
        )
    pulumi.export("endpoint_names", [e.name for e in decl.endpoints])
    pulumi.export("endpoints", endpoint_outputs([e.name for e in decl.endpoints], endpoints))
    return endpoints


def endpoint_outputs(names: list[str], endpoints: list[ServingEndpoint]) -> pulumi.Output[dict[str, Any]]:
    """Each endpoint's ``invocation_url`` and ``config_version`` by name, as one output.

    One output, not a mapping of outputs: while an endpoint's values are not known (the preview of its update),
    the whole map is not known and Pulumi's preview leaves it out; a mapping holding one unknown value is shown
    as that endpoint changing with nothing under it (``~ name: { }``)."""
    values = [pulumi.Output.all(r.invocation_url, r.config_version) for r in endpoints]
    return pulumi.Output.all(*values).apply(
        lambda found: {
            name: {"invocation_url": url, "config_version": version}
            for name, (url, version) in zip(names, found, strict=False)
        }
    )


def declare() -> StackDeclarations:
    """Declare everything the current stack's ``serving:*`` config holds; the whole ``__main__.py`` of a project."""
    config = pulumi.Config(NAMESPACE)
    decl = load(config)
    secrets = declare_scopes(decl, config)
    # always declared (also with no scope left), so a preview sees which scopes an update deletes
    DeclaredScopes("declared-scopes", scopes=[s.scope for s in decl.scopes], secrets=list(secrets))
    declare_endpoints(decl, secrets, config)
    return decl
