"""The endpoint as the gateway serves it, read from a stored endpoint document (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...payloads.rate_limit_enums import DEFAULT_KEY
from .rate_policy import LimitRule


@dataclass(frozen=True)
class Entity:
    """A served entity of the live config; ``provider``/``model``/``task`` are empty for custom models."""

    name: str
    provider: str = ""
    model: str = ""
    task: str = ""


@dataclass(frozen=True)
class EndpointView:
    """``id`` is the endpoint's stable id: usage rows and rate-limit counts are kept per id, so an endpoint
    deleted and created again under the same name starts with none."""

    name: str
    ready: bool
    id: str = ""
    entities: tuple[Entity, ...] = ()
    routes: tuple[tuple[str, int], ...] = ()
    rules: tuple[LimitRule, ...] = ()
    fallback_enabled: bool = False
    usage_tracking_enabled: bool = False
    invalid_keywords: tuple[str, ...] = field(default=(), repr=False)

    @property
    def task(self) -> str | None:
        return next((e.task for e in self.entities if e.task), None)

    def entity(self, name: str) -> Entity | None:
        return next((e for e in self.entities if e.name == name), None)


def _rules(gateway: dict[str, Any], legacy: list[dict[str, Any]]) -> tuple[LimitRule, ...]:
    rules = [
        LimitRule(r.get("key") or DEFAULT_KEY, r.get("calls"), r.get("tokens"), r.get("principal"))
        for r in gateway.get("rate_limits") or []
    ]
    rules += [LimitRule(r.get("key") or DEFAULT_KEY, r.get("calls")) for r in legacy or []]
    return tuple(rules)


def view_from_doc(doc: dict[str, Any]) -> EndpointView:
    """The view of a settled endpoint document (``config`` is the live config, absent until ready)."""
    config = doc.get("config") or {}
    gateway = doc.get("ai_gateway") or {}
    entities = []
    for item in config.get("served_entities") or []:
        model = item.get("external_model") or {}
        entities.append(Entity(item["name"], model.get("provider", ""), model.get("name", ""), model.get("task", "")))
    routes = tuple(
        (r.get("served_entity_name") or r.get("served_model_name") or "", int(r.get("traffic_percentage", 0)))
        for r in (config.get("traffic_config") or {}).get("routes") or []
    )
    guard_input = (gateway.get("guardrails") or {}).get("input") or {}
    return EndpointView(
        name=doc["name"],
        ready=bool(config),
        id=str(doc.get("id") or ""),
        entities=tuple(entities),
        routes=routes,
        rules=_rules(gateway, doc.get("legacy_rate_limits") or []),
        fallback_enabled=bool((gateway.get("fallback_config") or {}).get("enabled")),
        usage_tracking_enabled=bool((gateway.get("usage_tracking_config") or {}).get("enabled")),
        invalid_keywords=tuple(guard_input.get("invalid_keywords") or ()),
    )
