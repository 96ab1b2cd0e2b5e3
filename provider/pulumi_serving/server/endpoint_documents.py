"""Pure functions over stored endpoint documents: the config state machine and the API views.

A stored document keeps ``config`` (live) and ``pending`` (rolling out, with ``ready_at`` in ms).
:func:`settle` promotes ``pending`` once ``ready_at`` has passed, so state is evaluated on read and no
background thread is needed. Write-only ``*_plaintext`` values are sealed in storage and never rendered.
"""

from __future__ import annotations

import copy
from typing import Any

from ..payloads.providers import REGISTRY
from ..payloads.server_behaviour import ENDPOINT_ECHO_DEFAULTS, NOT_ECHOED_ENTITY_FIELDS

Doc = dict[str, Any]
_ENDPOINT_FIELDS = ("name", "id", "creator", "creation_timestamp", "last_updated_timestamp", "description")
_OPTIONAL_FIELDS = (
    "task",
    "endpoint_type",
    "budget_policy_id",
    "usage_policy_id",
    "route_optimized",
    "email_notifications",
    "telemetry_config",
)


def settle(doc: Doc, now_ms: int) -> Doc:
    """``doc`` with a finished rollout promoted to the live config (a copy when it changes)."""
    pending = doc.get("pending")
    if not pending or now_ms < pending["ready_at"]:
        return doc
    settled = dict(doc)
    settled["config"] = pending
    settled["pending"] = None
    return settled


def is_updating(doc: Doc) -> bool:
    return bool(doc.get("pending"))


def credential_blocks(external_model: dict[str, Any]) -> list[tuple[str, dict[str, Any], str, str]]:
    """(block path, block dict, reference field, plaintext field) for each credential pair present."""
    name = external_model.get("provider")
    provider = REGISTRY.get(name) if isinstance(name, str) else None
    out = []
    for pair in provider.credentials if provider else ():
        node: Any = external_model
        for part in pair.block.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            out.append((pair.block, node, pair.field, pair.plaintext_field))
    return out


def _strip_write_only(entity: dict[str, Any]) -> dict[str, Any]:
    entity = copy.deepcopy(entity)
    for field in NOT_ECHOED_ENTITY_FIELDS:
        entity.pop(field, None)
    if isinstance(entity.get("external_model"), dict):
        for _, block, _, plaintext_field in credential_blocks(entity["external_model"]):
            block.pop(plaintext_field, None)
    return entity


def _entity_state(live: bool) -> dict[str, str]:
    if live:
        return {"deployment": "DEPLOYMENT_READY", "deployment_state_message": ""}
    return {"deployment": "DEPLOYMENT_CREATING", "deployment_state_message": "Creating"}


def _config_view(stored: Doc, live: bool) -> Doc:
    extra = {"creator": stored["creator"], "creation_timestamp": stored["start_time"], "state": _entity_state(live)}
    view: Doc = {
        "config_version": stored["config_version"],
        "served_entities": [{**_strip_write_only(e), **extra} for e in stored["served_entities"]],
    }
    if stored.get("served_models") is not None:
        view["served_models"] = [{**_strip_write_only(m), **extra} for m in stored["served_models"]]
    if stored.get("traffic_config") is not None:
        view["traffic_config"] = copy.deepcopy(stored["traffic_config"])
    if stored.get("auto_capture_config") is not None:
        view["auto_capture_config"] = copy.deepcopy(stored["auto_capture_config"])
    if not live:
        view["start_time"] = stored["start_time"]
    return view


def state_view(doc: Doc) -> dict[str, str]:
    return {
        "ready": "READY" if doc.get("config") else "NOT_READY",
        "config_update": "IN_PROGRESS" if doc.get("pending") else "NOT_UPDATING",
    }


def detailed_view(doc: Doc, permission_level: str | None = None) -> Doc:
    """ServingEndpointDetailed (docs/databricks-api.md#endpoint-object) of a settled document."""
    view: Doc = {field: doc[field] for field in _ENDPOINT_FIELDS}
    view["state"] = state_view(doc)
    if doc.get("config"):
        view["config"] = _config_view(doc["config"], live=True)
    if doc.get("pending"):
        view["pending_config"] = _config_view(doc["pending"], live=False)
    if doc.get("ai_gateway"):
        view["ai_gateway"] = copy.deepcopy(doc["ai_gateway"])
    view["tags"] = copy.deepcopy(doc.get("tags") or [])
    for field in _OPTIONAL_FIELDS:
        if doc.get(field) is not None:
            view[field] = copy.deepcopy(doc[field])
    for field, default in ENDPOINT_ECHO_DEFAULTS.items():
        if view.get(field) is None:
            view[field] = default
    if permission_level:
        view["permission_level"] = permission_level
    return view


def _summary_config(stored: Doc) -> Doc:
    keys = ("name", "entity_name", "entity_version", "external_model", "foundation_model")
    summary: Doc = {
        "served_entities": [
            {k: v for k, v in _strip_write_only(e).items() if k in keys} for e in stored["served_entities"]
        ]
    }
    if stored.get("served_models") is not None:
        summary["served_models"] = [
            {k: m[k] for k in ("name", "model_name", "model_version") if k in m} for m in stored["served_models"]
        ]
    return summary


def summary_view(doc: Doc) -> Doc:
    """ServingEndpoint, the list item (no traffic or pending config)."""
    view: Doc = {field: doc[field] for field in _ENDPOINT_FIELDS}
    view["state"] = state_view(doc)
    stored = doc.get("config") or doc.get("pending")
    if stored:
        view["config"] = _summary_config(stored)
    if doc.get("ai_gateway"):
        view["ai_gateway"] = copy.deepcopy(doc["ai_gateway"])
    view["tags"] = copy.deepcopy(doc.get("tags") or [])
    for field in ("task", "budget_policy_id", "usage_policy_id"):
        if doc.get(field) is not None:
            view[field] = doc[field]
    return view


def merge_tags(tags: list[dict[str, Any]], add: list[dict[str, Any]], delete: list[str]) -> list[dict[str, Any]]:
    """Tags after a PATCH: added keys overwrite, deleted keys removed, sorted by key."""
    by_key = {t["key"]: t for t in tags}
    for key in delete:
        by_key.pop(key, None)
    for tag in add:
        by_key[tag["key"]] = tag
    return [by_key[k] for k in sorted(by_key)]
