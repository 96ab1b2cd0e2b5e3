"""Diff a resource's last-applied outputs against its new declared inputs, per resource kind.

Pure functions: ``olds`` are the outputs stored in state (normalized views plus fingerprints),
``news`` the checked inputs. Every difference becomes a :class:`Change` naming the API call that
applies it, or a :class:`Replace` with the reason it cannot be updated in place.
"""

from __future__ import annotations

from typing import Any

from . import normalize
from .compare import changed_paths
from .fingerprint import matches
from .model import Change, Plan, Replace

Json = dict[str, Any]

CALL_CONFIG = "PUT /api/2.0/serving-endpoints/{name}/config"
CALL_TAGS = "PATCH /api/2.0/serving-endpoints/{name}/tags"
CALL_AI_GATEWAY = "PUT /api/2.0/serving-endpoints/{name}/ai-gateway"
CALL_PUT_SECRET = "POST /api/2.0/secrets/put"
CALL_PUT_ACL = "POST /api/2.0/secrets/acls/put"
CALL_DELETE_ACL = "POST /api/2.0/secrets/acls/delete"
CALL_WAIT = "GET /api/2.0/serving-endpoints/{name} (wait for NOT_UPDATING)"


def _write_only_changes(old_fps: dict[str, str], salt: str, new_values: dict[str, str], prefix: str,
                        call: str) -> list[Change]:
    changes = []
    for path in sorted(set(old_fps) | set(new_values)):
        if path not in new_values or not matches(new_values[path], salt, old_fps.get(path)):
            changes.append(Change(f"{prefix}{path}", call))
    return changes


def endpoint_view(news: Json) -> tuple[Json, dict[str, str]]:
    """(comparable config view, {write-only path: plaintext}) of declared endpoint inputs."""
    return normalize.endpoint_config_and_secrets(news.get("config"))


def _tasks(view: Json) -> set[str]:
    return {e["external_model"].get("task", "") for e in view.get("served_entities", []) if "external_model" in e}


def _is_external(view: Json) -> bool:
    return any("external_model" in e for e in view.get("served_entities", []))


def diff_endpoint(olds: Json, news: Json) -> Plan:
    plan = Plan()
    name_changed = olds.get("endpoint_name") != news.get("endpoint_name")
    if name_changed:
        plan.replaces.append(Replace("endpoint_name", "endpoint_name", "endpoint names are immutable"))
    if bool(olds.get("route_optimized")) != bool(news.get("route_optimized")):
        plan.replaces.append(Replace("route_optimized", "route_optimized",
                                     "route_optimized can only be set when an endpoint is created"))
    old_view = olds.get("config") or {}
    new_view, new_secrets = endpoint_view(news)
    if _is_external(old_view) != _is_external(new_view):
        plan.replaces.append(Replace("config.served_entities", "config",
                                     "an endpoint cannot gain or lose external models"))
    elif _tasks(old_view) != _tasks(new_view):
        plan.replaces.append(Replace("config.served_entities.external_model.task", "config",
                                     "an endpoint's task is fixed when it is created"))
    if name_changed:
        return plan
    for path in changed_paths(old_view, new_view):
        plan.changes.append(Change(f"config.{path}", CALL_CONFIG))
    plan.changes += _write_only_changes(olds.get("write_only") or {}, olds.get("fingerprint_salt") or "",
                                        new_secrets, "config.", CALL_CONFIG)
    for path in changed_paths(olds.get("tags") or [], normalize.tags(news.get("tags")), "tags"):
        plan.changes.append(Change(path, CALL_TAGS))
    for path in changed_paths(olds.get("ai_gateway") or {}, normalize.ai_gateway(news.get("ai_gateway")),
                              "ai_gateway"):
        plan.changes.append(Change(path, CALL_AI_GATEWAY))
    return plan


def diff_secret(olds: Json, news: Json) -> Plan:
    plan = Plan()
    for prop in ("scope", "key"):
        if olds.get(prop) != news.get(prop):
            plan.replaces.append(Replace(prop, prop, "a secret's scope and key are its identity"))
    if plan.replaces:
        return plan
    kind, value = secret_value(news)
    if olds.get("value_kind") != kind or not matches(value, olds.get("fingerprint_salt") or "",
                                                      olds.get("value_fingerprint")):
        plan.changes.append(Change(f"{kind}_value", CALL_PUT_SECRET))
    return plan


def secret_value(props: Json) -> tuple[str, str]:
    """("string", value) or ("bytes", base64 value) of a Secret's inputs."""
    if props.get("bytes_value") is not None:
        return "bytes", str(props["bytes_value"])
    return "string", str(props.get("string_value") or "")


def diff_scope(olds: Json, news: Json) -> Plan:
    plan = Plan()
    if olds.get("scope") != news.get("scope"):
        plan.replaces.append(Replace("scope", "scope", "secret scope names are immutable"))
        return plan
    old_p, new_p = olds.get("initial_manage_principal"), news.get("initial_manage_principal")
    if old_p != new_p:
        plan.changes.append(Change("initial_manage_principal", CALL_PUT_ACL if new_p else CALL_DELETE_ACL))
    return plan


def diff_acl(olds: Json, news: Json) -> Plan:
    plan = Plan()
    for prop in ("scope", "principal"):
        if olds.get(prop) != news.get(prop):
            plan.replaces.append(Replace(prop, prop, "an ACL's scope and principal are its identity"))
    if not plan.replaces and olds.get("permission") != news.get("permission"):
        plan.changes.append(Change("permission", CALL_PUT_ACL))
    return plan


def diff_rate_limits(olds: Json, news: Json) -> Plan:
    plan = Plan()
    if olds.get("endpoint") != news.get("endpoint"):
        plan.replaces.append(Replace("endpoint", "endpoint", "rate limits belong to one endpoint"))
        return plan
    for path in changed_paths(olds.get("rate_limits") or [], normalize.rate_limits(news.get("rate_limits")),
                              "rate_limits"):
        plan.changes.append(Change(path, CALL_AI_GATEWAY))
    return plan


def diff_readiness(olds: Json, news: Json) -> Plan:
    plan = Plan()
    if olds.get("endpoints") != news.get("endpoints"):
        plan.changes.append(Change("endpoints", CALL_WAIT))
    return plan
