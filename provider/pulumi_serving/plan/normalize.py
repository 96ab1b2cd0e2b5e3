"""Normalization tables: declared inputs and live API bodies to one comparable form.

One rule per field, so "apply then preview" is always "no changes":

============================  =====================================================================
field                         rule
============================  =====================================================================
served_models                 legacy list folded into served_entities (model_name -> entity_name)
served entity name            server default filled in (spec.names.default_served_entity_name)
served entity list            matched by name (order is irrelevant)
server-only entity fields     dropped (state, creator, creation_timestamp, foundation_model ...)
scale_to_zero_enabled         false == absent
workload_type                 "CPU" == absent
burst_scaling_enabled         not echoed by GET: compared against last-applied state only
``*_plaintext`` keys          write-only: removed here, compared through salted fingerprints
openai_api_type               lower-cased; "openai" == absent
bedrock_provider / provider   lower-cased
traffic_config                absent with one entity == the auto-filled 100% route; routes keyed by
                              served_entity_name (served_model_name accepted), order irrelevant
tags                          list of {key, value} or a mapping; sorted by key; empty value == absent;
                              the ownership marker tag (spec.ownership) dropped
route_optimized               false == absent
ai_gateway                    rate_limits removed (owned by RateLimits); disabled sections == absent
rate limits                   key defaults to "endpoint", renewal_period to "minute"; 0 kept (blocked)
============================  =====================================================================
"""

from __future__ import annotations

import copy
from typing import Any

from ..payloads import rate_limit_enums
from ..payloads.names import default_served_entity_name
from ..payloads.ownership import is_marker_tag
from ..payloads.server_behaviour import (
    DEFAULT_OPENAI_API_TYPE,
    ENTITY_DEFAULTS,
    NOT_ECHOED_ENTITY_FIELDS,
    default_routes,
    fold_enum,
    fold_openai_api_type,
    is_write_only,
)

Json = dict[str, Any]

ENTITY_INPUT_FIELDS = (
    "name",
    "external_model",
    "entity_name",
    "entity_version",
    "workload_size",
    "workload_type",
    "scale_to_zero_enabled",
    "min_provisioned_concurrency",
    "max_provisioned_concurrency",
    "min_provisioned_throughput",
    "max_provisioned_throughput",
    "provisioned_model_units",
    "burst_scaling_enabled",
    "environment_vars",
    "instance_profile_arn",
)


def prune(value: Any) -> Any:
    """Drop None values recursively (absent and null mean the same in the API)."""
    if isinstance(value, dict):
        return {k: prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def split_write_only(value: Any, path: str = "") -> tuple[Any, dict[str, str]]:
    """Remove every ``*_plaintext`` key; return (value without them, {path: plaintext})."""
    found: dict[str, str] = {}
    if isinstance(value, dict):
        out: Json = {}
        for key, item in value.items():
            sub = f"{path}.{key}" if path else key
            if is_write_only(key):
                if item is not None:
                    found[sub] = str(item)
                continue
            out[key], inner = split_write_only(item, sub)
            found.update(inner)
        return out, found
    if isinstance(value, list):
        items = []
        for index, item in enumerate(value):
            name = item.get("name") if isinstance(item, dict) else None
            cleaned, inner = split_write_only(item, f"{path}[{name if isinstance(name, str) else index}]")
            items.append(cleaned)
            found.update(inner)
        return items, found
    return value, found


def _external_model(model: Json) -> Json:
    model = dict(model)
    if isinstance(model.get("provider"), str):
        model["provider"] = fold_enum(model["provider"])
    openai = model.get("openai_config")
    if isinstance(openai, dict):
        openai = dict(openai)
        api_type = fold_openai_api_type(openai.get("openai_api_type"))
        if api_type == DEFAULT_OPENAI_API_TYPE:
            openai.pop("openai_api_type", None)
        else:
            openai["openai_api_type"] = api_type
        model["openai_config"] = openai
    bedrock = model.get("amazon_bedrock_config")
    if isinstance(bedrock, dict) and isinstance(bedrock.get("bedrock_provider"), str):
        model["amazon_bedrock_config"] = {**bedrock, "bedrock_provider": fold_enum(bedrock["bedrock_provider"])}
    return model


def _entity(entity: Json) -> Json:
    out = {k: entity[k] for k in ENTITY_INPUT_FIELDS if entity.get(k) is not None}
    for key, default in ENTITY_DEFAULTS.items():
        if out.get(key) == default:
            del out[key]
    if isinstance(out.get("external_model"), dict):
        out["external_model"] = _external_model(out["external_model"])
    if not out.get("environment_vars"):
        out.pop("environment_vars", None)
    if "name" not in out:
        name = default_served_entity_name(
            external_model_name=(out.get("external_model") or {}).get("name"),
            entity_name=out.get("entity_name"),
            entity_version=out.get("entity_version"),
        )
        if name:
            out["name"] = name
    return out


def _legacy_model(model: Json) -> Json:
    entity = {k: v for k, v in model.items() if k not in ("model_name", "model_version")}
    entity["entity_name"] = model.get("model_name")
    entity["entity_version"] = model.get("model_version")
    return entity


def served_entities(config: Json) -> list[Json]:
    """The config's entities in normalized form, legacy served_models folded in, sorted by name."""
    entities = config.get("served_entities") or [_legacy_model(m) for m in config.get("served_models") or []]
    return sorted((_entity(e) for e in entities), key=lambda e: str(e.get("name", "")))


def traffic_routes(config: Json, entities: list[Json]) -> list[Json]:
    routes = (
        (config.get("traffic_config") or {}).get("routes")
        or (default_routes([str(e.get("name", "")) for e in entities]) or {}).get("routes")
        or []
    )
    out = [
        {
            "name": r.get("served_entity_name") or r.get("served_model_name"),
            "traffic_percentage": r.get("traffic_percentage"),
        }
        for r in routes
    ]
    return sorted(out, key=lambda r: str(r["name"]))


def endpoint_config_and_secrets(config: Json | None) -> tuple[Json, dict[str, str]]:
    """(comparable view, {write-only path: plaintext}) of an endpoint config.

    Works on a declared input and on a GET ``config`` / ``pending_config`` body alike.
    """
    config = prune(config or {})
    entities = served_entities(config)
    view: Json = {"served_entities": entities, "routes": traffic_routes(config, entities)}
    if config.get("auto_capture_config"):
        view["auto_capture_config"] = {k: v for k, v in config["auto_capture_config"].items() if k != "state"}
    return split_write_only(view)


def endpoint_config(config: Json | None) -> Json:
    """Comparable view of an endpoint config, write-only keys removed."""
    return endpoint_config_and_secrets(config)[0]


def not_echoed(view: Json) -> dict[str, Any]:
    """{entity name: {field: value}} of fields GET never returns (kept from last-applied state)."""
    return {
        e["name"]: {k: e[k] for k in NOT_ECHOED_ENTITY_FIELDS if k in e}
        for e in view.get("served_entities", [])
        if any(k in e for k in NOT_ECHOED_ENTITY_FIELDS)
    }


def with_not_echoed(live: Json, kept: dict[str, Any]) -> Json:
    """Live view completed with last-applied values of fields the API does not echo."""
    live = copy.deepcopy(live)
    for entity in live.get("served_entities", []):
        entity.update(kept.get(entity.get("name"), {}))
    return live


def tags(value: Any) -> list[Json]:
    """Tags as a sorted list of {key, value}; accepts the API list form or a {key: value} mapping."""
    items = [{"key": k, "value": v} for k, v in value.items()] if isinstance(value, dict) else list(value or [])
    out = []
    for item in items:
        if is_marker_tag(item["key"]):
            continue
        tag = {"key": item["key"]}
        if item.get("value") not in (None, ""):
            tag["value"] = str(item["value"])
        out.append(tag)
    return sorted(out, key=lambda t: t["key"])


def ai_gateway(value: Json | None) -> Json:
    """AI gateway sections managed by the endpoint (rate_limits belong to RateLimits)."""
    gateway = prune(value or {})
    out: Json = {}
    for section in ("usage_tracking_config", "inference_table_config", "fallback_config"):
        block = gateway.get(section)
        if isinstance(block, dict) and block.get("enabled"):
            out[section] = block
    guardrails: Json = {}
    for side in ("input", "output"):
        params = (gateway.get("guardrails") or {}).get(side) or {}
        kept = {k: v for k, v in params.items() if v not in (False, [], None, {})}
        if (kept.get("pii") or {}).get("behavior") in (None, "NONE"):
            kept.pop("pii", None)
        if kept:
            guardrails[side] = kept
    if guardrails:
        out["guardrails"] = guardrails
    return out


def rate_limit(limit: Json) -> Json:
    out = {
        "key": limit.get("key") or rate_limit_enums.DEFAULT_KEY,
        "renewal_period": limit.get("renewal_period") or rate_limit_enums.DEFAULT_RENEWAL_PERIOD,
    }
    for field in ("calls", "tokens", "principal"):
        if limit.get(field) is not None:
            out[field] = limit[field]
    return out


def rate_limits(limits: list[Json] | None) -> list[Json]:
    """Normalized limits in a stable order; a 0 stays 0 (blocked), it never means unlimited."""
    normalized = [rate_limit(limit) for limit in limits or []]
    return sorted(
        normalized, key=lambda n: (n["key"], str(n.get("principal", "")), n.get("calls", -1), n.get("tokens", -1))
    )
