"""The ServingEndpoint planner: (declared inputs, last-applied or refreshed view) -> calls, replaces or rejections.

Pure: the resource executes :attr:`Plan.calls` in order and decides nothing itself. Calls that do not
block on a rollout go first (tags, notifications), then those the server refuses while a config update
runs (AI gateway, telemetry), then the config update that starts one; the endpoint is read back last
unless the config update already answered with it.
"""

from __future__ import annotations

from typing import Any

from ..payloads import api_paths
from ..payloads.api_paths import Api
from ..payloads.endpoint_fields import FLAG_FIELDS, OBJECT_FIELDS, TEXT_FIELDS
from ..payloads.ownership import OWNER_INPUT as OWNER
from ..payloads.ownership import OWNER_TAG_KEY
from . import comparable_endpoint
from .compare import changed_paths
from .fields import RULES, rule_for
from .fingerprints import matches
from .model import Call, Plan, Rejection, Replace
from .parsed_endpoint import ParsedEndpoint

Json = dict[str, Any]
RESOURCE = "ServingEndpoint"
CALL_ORDER: tuple[Api, ...] = (
    api_paths.PATCH_TAGS,
    api_paths.PATCH_NOTIFICATIONS,
    api_paths.PUT_AI_GATEWAY,
    api_paths.PATCH_TELEMETRY,
    api_paths.PUT_CONFIG,
)
_REPLACED = [r for r in RULES if r.resource == RESOURCE and r.replace and "." not in r.field]


def rejections(declared: ParsedEndpoint) -> list[Rejection]:
    """What no call can apply, from the declaration alone (``check`` reports these at preview)."""
    props, found = declared.props, []
    gateway = props.get("ai_gateway")
    if isinstance(gateway, dict) and gateway.get("rate_limits"):
        found.append(_reject("ai_gateway.rate_limits"))
    config = props.get("config")
    if isinstance(config, dict) and config.get("name") is not None:
        found.append(_reject("config.name"))
    if props.get("telemetry_config") and isinstance(config, dict) and _is_external(declared.view["config"]):
        found.append(
            Rejection(
                "telemetry_config",
                "Databricks supports telemetry_config only for custom-model "
                "endpoints (it answers 400 for external models)",
            )
        )
    return found


def _reject(field: str) -> Rejection:
    return Rejection(field, rule_for(RESOURCE, field).reject or "")


def _is_external(config: Json) -> bool:
    return any("external_model" in e for e in config.get("served_entities", []))


def _tasks(config: Json) -> set[str]:
    return {e["external_model"].get("task", "") for e in config.get("served_entities", []) if "external_model" in e}


def create_body(declared: ParsedEndpoint) -> Json:
    """Body of the create request: every declared field goes in the one call, with the ownership marker tag."""
    props, view = declared.props, declared.view
    body: Json = {"name": props["endpoint_name"], "config": props["config"]}
    for key in FLAG_FIELDS + TEXT_FIELDS:
        if key in view:
            body[key] = view[key]
    if tags := view.get("tags", []) + _marker(props):
        body["tags"] = tags
    for key in OBJECT_FIELDS:
        if props.get(key):
            body[key] = props[key]
    return body


def plan_create(declared: ParsedEndpoint) -> Plan:
    if found := rejections(declared):
        return Plan(rejections=found)
    return Plan(calls=[Call(api_paths.CREATE_ENDPOINT, body=create_body(declared))])


def plan_endpoint(olds: Json, declared: ParsedEndpoint) -> Plan:
    """``olds``: stored outputs (or the view of a live endpoint being adopted); ``declared``: the checked inputs."""
    if found := rejections(declared):
        return Plan(rejections=found)
    old, new, secrets = comparable_endpoint.stored(olds), declared.view, declared.write_only
    replaces = [Replace(r.field, r.field, r.replace or "") for r in _REPLACED if old.get(r.field) != new.get(r.field)]
    old_config, new_config = old.get("config") or {}, new.get("config") or {}
    if _is_external(old_config) != _is_external(new_config):
        replaces.append(_replace("config.served_entities[].external_model"))
    elif _tasks(old_config) != _tasks(new_config):
        replaces.append(_replace("config.served_entities[].external_model.task"))
    if replaces:
        return Plan(replaces=replaces)
    by_call: dict[Api, list[str]] = {}
    for path in changed_paths(
        {k: v for k, v in old.items() if k != "endpoint_name"}, {k: v for k, v in new.items() if k != "endpoint_name"}
    ):
        rule = rule_for(RESOURCE, path)
        assert rule.call is not None, f"{path}: a changed field without a call ({rule.handling})"
        by_call.setdefault(rule.call, []).append(path)
    written = write_only_changes(olds.get("write_only") or {}, olds.get("fingerprint_salt") or "", secrets)
    if written:
        by_call.setdefault(api_paths.PUT_CONFIG, []).extend(f"config.{p}" for p in written)
    planned = []
    for api in (a for a in CALL_ORDER if a in by_call):
        if api == api_paths.PUT_AI_GATEWAY:
            planned.append(Call(api_paths.GET_ENDPOINT))  # read the rate limits RateLimits owns, to keep them
        planned.append(Call(api, tuple(by_call[api]), _body(api, declared.props, old, new)))
    if planned and planned[-1].api != api_paths.PUT_CONFIG:
        planned.append(Call(api_paths.GET_ENDPOINT))  # read back: the outputs come from the endpoint itself
    return Plan(calls=planned)


def plan_take_over(live: Json, declared: ParsedEndpoint, *, marked: bool) -> Plan:
    """The plan for an existing endpoint being adopted or resumed (``live``: its view): the declaration's calls,
    plus the ownership marker tag when the endpoint does not carry it yet."""
    plan = plan_endpoint(live, declared)
    marker = [] if marked else _marker(declared.props)
    if plan.replaces or plan.rejections or not marker:
        return plan
    tags = next((c for c in plan.calls if c.api == api_paths.PATCH_TAGS), None)
    body = {
        "add_tags": (tags.body["add_tags"] if tags else []) + marker,
        "delete_tags": tags.body["delete_tags"] if tags else [],
    }
    patched = Call(api_paths.PATCH_TAGS, (tags.fields if tags else ()) + (OWNER,), body)
    rest = [c for c in plan.calls if c.api != api_paths.PATCH_TAGS]
    return Plan(calls=[patched] + (rest or [Call(api_paths.GET_ENDPOINT)]))


def _marker(props: Json) -> list[Json]:
    return [{"key": OWNER_TAG_KEY, "value": props[OWNER]}] if props.get(OWNER) else []


def _replace(field: str) -> Replace:
    return Replace(field, "config", rule_for(RESOURCE, field).replace or "")


def write_only_changes(old_fingerprints: dict[str, str], salt: str, values: dict[str, str]) -> list[str]:
    """Write-only paths whose declared value differs from the one last applied (or was added or removed)."""
    return [
        path
        for path in sorted(set(old_fingerprints) | set(values))
        if path not in values or not matches(values[path], salt, old_fingerprints.get(path))
    ]


def _body(api: Api, props: Json, old: Json, new: Json) -> Any:
    if api == api_paths.PATCH_TAGS:
        old_tags, new_tags = old.get("tags") or [], new.get("tags") or []
        keys = {t["key"] for t in new_tags}
        return {
            "add_tags": [t for t in new_tags if t not in old_tags],
            "delete_tags": [t["key"] for t in old_tags if t["key"] not in keys],
        }
    if api == api_paths.PATCH_NOTIFICATIONS:
        return {"email_notifications": new.get("email_notifications") or {}}
    if api == api_paths.PUT_AI_GATEWAY:
        return dict(props.get("ai_gateway") or {})
    if api == api_paths.PATCH_TELEMETRY:
        return {"telemetry_config": props.get("telemetry_config")} if props.get("telemetry_config") else {}
    return props["config"]
