"""The rules of pulumi-serving's policy pack (docs/policy.md), pure functions of resource properties.

A value not known during a preview (:data:`~.model.UNKNOWN`) is given the benefit of the doubt (only a set
``*_plaintext`` field is a violation whatever its value): the same rules run again on ``pulumi up`` with every value
known. Messages name fields and references, never a credential value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

from ..payloads.external_models import PROVIDERS
from ..payloads.principal_names import ALL_USERS_GROUP
from ..payloads.secret_ref_syntax import SecretRef, looks_like_secret_ref, parse_secret_ref
from ..payloads.server_behaviour import is_write_only
from ..resources import (
    EndpointPermissionsProvider,
    RateLimitsProvider,
    SecretAclProvider,
    SecretScopeAclsProvider,
    SecretScopeProvider,
    ServingEndpointProvider,
)
from .model import UNKNOWN, Level, ResourceView, Rule, Setting, Violation, known

ENDPOINT = ServingEndpointProvider.kind
RATE_LIMITS = RateLimitsProvider.kind
SECRET_SCOPE = SecretScopeProvider.kind
ENDPOINT_PERMISSIONS = EndpointPermissionsProvider.kind
SECRET_ACL = SecretAclProvider.kind
SECRET_SCOPE_ACLS = SecretScopeAclsProvider.kind

#: The manage level of each kind of grant (endpoint permissions, secret-scope ACLs).
ENDPOINT_MANAGE = "CAN_MANAGE"
SCOPE_MANAGE = "MANAGE"


def _strings(name: str, default: list[str], description: str) -> Setting:
    return Setting(name, {"type": "array", "items": {"type": "string"}, "default": default}, description)


def _flag(name: str, default: bool, description: str) -> Setting:
    return Setting(name, {"type": "boolean", "default": default}, description)


# --- reading an endpoint's properties -------------------------------------------------------------------------


def _entities(config: object) -> list[tuple[str, Mapping[str, Any]]]:
    """``(path, entity)`` of each served entity (or legacy served model) of an endpoint config."""
    if not isinstance(config, Mapping):
        return []
    for key in ("served_entities", "served_models"):
        entities = config.get(key)
        if isinstance(entities, list):
            return [(f"config.{key}[{i}]", e) for i, e in enumerate(entities) if isinstance(e, Mapping)]
    return []


def external_models(endpoint: ResourceView) -> list[tuple[str, Mapping[str, Any]]]:
    """``(path, external_model)`` of each external model an endpoint serves."""
    return [
        (f"{path}.external_model", entity["external_model"])
        for path, entity in _entities(endpoint.props.get("config"))
        if isinstance(entity.get("external_model"), Mapping)
    ]


def _model_name(model: Mapping[str, Any]) -> str:
    return f"{model.get('provider')}/{model.get('name')}"


def _walk(value: object, path: str) -> Iterator[tuple[str, str, object]]:
    """``(path, key, value)`` of every mapping entry at any depth."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            yield here, str(key), item
            yield from _walk(item, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def secret_refs(endpoint: ResourceView) -> list[tuple[str, SecretRef]]:
    """``(path, reference)`` of every ``{{secrets/<scope>/<key>}}`` in an endpoint's config."""
    refs = []
    for path, _, value in _walk(endpoint.props.get("config"), "config"):
        if isinstance(value, str) and looks_like_secret_ref(value):
            try:
                refs.append((path, parse_secret_ref(value)))
            except ValueError:
                continue  # a malformed reference fails the resource's own check
    return refs


def _tag_values(tags: object) -> dict[str, object] | None:
    """An endpoint's tags as ``{key: value}`` (given as ``[{key, value}]`` or a mapping); None when unknown."""
    if not known(tags):
        return None
    if isinstance(tags, Mapping):
        return dict(tags)
    if isinstance(tags, list):
        return {t["key"]: t.get("value") for t in tags if isinstance(t, Mapping) and "key" in t}
    return {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _section(gateway: object, name: str) -> object:
    return gateway.get(name) if isinstance(gateway, Mapping) else None


# --- external-model-rate-limits -------------------------------------------------------------------------------


def _limited(limits: object) -> bool:
    """True when ``limits`` holds a rate limit, or may (not known yet)."""
    return limits is UNKNOWN or (isinstance(limits, list) and bool(limits))


def check_rate_limits(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> list[Violation]:
    limited_names: set[str] = set()
    limited_urns: set[str] = set()
    for limits in (r for r in resources if r.kind == RATE_LIMITS and _limited(r.props.get("rate_limits"))):
        if isinstance(limits.props.get("endpoint"), str):
            limited_names.add(limits.props["endpoint"])
        limited_urns.update(limits.property_dependencies.get("endpoint", ()))
        if limits.parent:
            limited_urns.add(limits.parent)
    violations = []
    for endpoint in (r for r in resources if r.kind == ENDPOINT):
        models = external_models(endpoint)
        gateway = endpoint.props.get("ai_gateway")
        if (
            not models
            or gateway is UNKNOWN
            or _limited(_section(gateway, "rate_limits"))
            or endpoint.urn in limited_urns
            or endpoint.props.get("endpoint_name") in limited_names
        ):
            continue
        served = ", ".join(sorted({_model_name(m) for _, m in models}))
        violations.append(
            Violation(
                f"{endpoint.label} serves the external model {served} without rate limits: give it rate limits "
                "(`rate_limits:` in its stack-file declaration, or a RateLimits resource for it)",
                endpoint.urn,
            )
        )
    return violations


# --- no-plaintext-credentials ---------------------------------------------------------------------------------


def check_plaintext(endpoint: ResourceView, config: Mapping[str, Any]) -> list[str]:
    config_ = endpoint.props.get("config")
    paths = [path for path, key, value in _walk(config_, "config") if is_write_only(key) and value is not None]
    if not paths:
        return []
    return [
        f"{endpoint.label} sets the plaintext credential {', '.join(paths)}: store the value in a secret scope and "
        "put its reference {{secrets/<scope>/<key>}} in the field without `_plaintext`"
    ]


# --- no-manage-for-broad-groups -------------------------------------------------------------------------------


def _grant_problem(principal: object, level: object, manage: str, config: Mapping[str, Any]) -> str | None:
    if not isinstance(principal, str) or principal not in config["groups"]:
        return None
    if config["forbid_any_grant"]:
        return f"grants {level} to the broad group {principal!r} (no grant at all is allowed to it)"
    if isinstance(level, str) and level.upper() == manage:
        return f"grants {manage} to the broad group {principal!r}"
    return None


def check_broad_grants(resource: ResourceView, config: Mapping[str, Any]) -> list[str]:
    props = resource.props
    problems: list[str | None] = []
    if resource.kind == ENDPOINT_PERMISSIONS:
        for entry in _list(props.get("access_control_list")):
            if isinstance(entry, Mapping):
                problems.append(
                    _grant_problem(entry.get("group_name"), entry.get("permission_level"), ENDPOINT_MANAGE, config)
                )
    elif resource.kind == SECRET_ACL:
        problems.append(_grant_problem(props.get("principal"), props.get("permission"), SCOPE_MANAGE, config))
    elif resource.kind == SECRET_SCOPE_ACLS:
        for entry in _list(props.get("acls")):
            if isinstance(entry, Mapping):
                problems.append(_grant_problem(entry.get("principal"), entry.get("permission"), SCOPE_MANAGE, config))
    elif resource.kind == SECRET_SCOPE:
        # The scope's creator grants MANAGE to its initial_manage_principal.
        problems.append(_grant_problem(props.get("initial_manage_principal"), SCOPE_MANAGE, SCOPE_MANAGE, config))
    found = sorted({p for p in problems if p})
    hint = "grant it to a narrower group, or leave the broad group out"
    return [f"{resource.label} {problem}: {hint}" for problem in found]


# --- secret-scopes-declared -----------------------------------------------------------------------------------


def check_secret_scopes(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> list[Violation]:
    scopes = [r.props.get("scope") for r in resources if r.kind == SECRET_SCOPE]
    if not known(scopes):
        return []  # a scope name not known yet may be any of the referenced ones
    allowed = {s for s in scopes if isinstance(s, str)} | set(config["allowed_scopes"])
    violations = []
    for endpoint in (r for r in resources if r.kind == ENDPOINT):
        for path, ref in secret_refs(endpoint):
            if ref.scope not in allowed:
                violations.append(
                    Violation(
                        f"{endpoint.label} references {ref} at {path}, but this stack declares no secret scope "
                        f"{ref.scope!r}: declare it (serving:scopes) or add it to the rule's allowed_scopes",
                        endpoint.urn,
                    )
                )
    return violations


# --- allowed-providers-and-models -----------------------------------------------------------------------------


def check_models(endpoint: ResourceView, config: Mapping[str, Any]) -> list[str]:
    messages = []
    for path, model in external_models(endpoint):
        provider, name = model.get("provider"), model.get("name")
        if not known(provider) or not known(name):
            continue
        if provider not in config["providers"]:
            allowed = ", ".join(config["providers"]) or "none"
            messages.append(f"{endpoint.label} uses provider {provider!r} at {path} (allowed: {allowed})")
        elif config["models"] and not any(fnmatchcase(f"{provider}/{name}", p) for p in config["models"]):
            messages.append(
                f"{endpoint.label} serves {provider}/{name} at {path}, which matches none of the allowed models "
                f"({', '.join(config['models'])})"
            )
    return messages


# --- required-tags --------------------------------------------------------------------------------------------


def check_tags(endpoint: ResourceView, config: Mapping[str, Any]) -> list[str]:
    tags = _tag_values(endpoint.props.get("tags"))
    if tags is None:
        return []
    missing = [key for key in config["tags"] if not tags.get(key)]
    if not missing:
        return []
    return [f"{endpoint.label} has no {', '.join(repr(k) for k in missing)} tag: add it to the endpoint's tags"]


# --- ai-gateway-observability ---------------------------------------------------------------------------------

#: (setting, ai_gateway section, what it turns on)
OBSERVABILITY = (
    ("usage_tracking", "usage_tracking_config", "usage tracking"),
    ("inference_tables", "inference_table_config", "inference tables"),
)


def check_observability(endpoint: ResourceView, config: Mapping[str, Any]) -> list[str]:
    if not any(fnmatchcase(endpoint.stack, pattern) for pattern in config["stacks"]):
        return []
    gateway = endpoint.props.get("ai_gateway")
    if not known(gateway):
        return []
    off = []
    for setting, section, what in OBSERVABILITY:
        enabled = _section(_section(gateway, section), "enabled")
        if config[setting] and enabled is not True:
            off.append(f"{what} (ai_gateway.{section}.enabled: true)")
    if not off:
        return []
    return [f"{endpoint.label} in stack {endpoint.stack!r} has {' and '.join(off)} off: turn it on"]


RULES: tuple[Rule, ...] = (
    Rule(
        name="external-model-rate-limits",
        description="Every endpoint serving an external model has rate limits.",
        level=Level.MANDATORY,
        kinds=(ENDPOINT, RATE_LIMITS),
        stack_check=check_rate_limits,
    ),
    Rule(
        name="no-plaintext-credentials",
        description="No endpoint sets a `*_plaintext` credential; credentials are secret references.",
        level=Level.MANDATORY,
        kinds=(ENDPOINT,),
        check=check_plaintext,
    ),
    Rule(
        name="no-manage-for-broad-groups",
        description="No endpoint or secret scope grants manage rights (or, if so configured, anything) to a broad group.",
        level=Level.MANDATORY,
        kinds=(ENDPOINT_PERMISSIONS, SECRET_ACL, SECRET_SCOPE_ACLS, SECRET_SCOPE),
        settings=(
            _strings(
                "groups",
                [ALL_USERS_GROUP],
                "groups that must not be given manage rights (`users`: every workspace user)",
            ),
            _flag("forbid_any_grant", False, "forbid every grant to those groups, not only manage rights"),
        ),
        check=check_broad_grants,
    ),
    Rule(
        name="secret-scopes-declared",
        description="Secret references name only scopes the stack declares or allowed scopes.",
        level=Level.MANDATORY,
        kinds=(ENDPOINT, SECRET_SCOPE),
        settings=(_strings("allowed_scopes", [], "scopes managed elsewhere that endpoints may reference"),),
        stack_check=check_secret_scopes,
    ),
    Rule(
        name="allowed-providers-and-models",
        description="External models come only from allowed providers and match the allowed models.",
        level=Level.MANDATORY,
        kinds=(ENDPOINT,),
        settings=(
            _strings("providers", list(PROVIDERS), "the external-model providers endpoints may use"),
            _strings("models", [], "`provider/model` patterns (`*` wildcards) endpoints may serve; empty: any model"),
        ),
        check=check_models,
    ),
    Rule(
        name="required-tags",
        description="Every endpoint carries the required tags, each with a value.",
        level=Level.ADVISORY,
        kinds=(ENDPOINT,),
        settings=(_strings("tags", ["team"], "tag keys every endpoint must carry with a non-empty value"),),
        check=check_tags,
    ),
    Rule(
        name="ai-gateway-observability",
        description="Endpoints of the configured stacks have AI gateway usage tracking (and inference tables) on.",
        level=Level.ADVISORY,
        kinds=(ENDPOINT,),
        settings=(
            _strings("stacks", ["*"], "stack name patterns (`*` wildcards) the rule applies to"),
            _flag("usage_tracking", True, "require ai_gateway.usage_tracking_config.enabled"),
            _flag("inference_tables", False, "require ai_gateway.inference_table_config.enabled"),
        ),
        check=check_observability,
    ),
)

RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}
