"""Live objects of the serving API as stack-file declarations with ``adopt: true`` (pure, no I/O).

An endpoint's GET body (and its permissions) becomes a ``serving:endpoints`` entry that declares exactly what the
object has, so adopting it plans no call but the ownership marker. A scope's ACLs and secret keys become a
``serving:scopes`` entry; secret values are write-only (the API never returns them), so the secrets stay as they
are, unmanaged, or become ``value_from`` entries the user fills. The same holds for an external model's
``*_plaintext`` credential: it becomes ``{secret: <config key>}`` the user fills, and adopting sends it once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .. import payloads
from ..payloads.endpoint_fields import TEXT_FIELDS
from ..payloads.external_models import CREDENTIAL_PAIRS
from ..payloads.ownership import is_marker_secret
from ..payloads.server_behaviour import default_routes
from ..plan import comparable_endpoint, normalize
from ..plan.permissions import direct_grants, is_caller

Json = dict[str, Any]
_MISSING_CREDENTIAL = re.compile(r"one of (\w+) or (\w+_plaintext) is required")


@dataclass(frozen=True)
class Generated:
    """One declaration and what the user must know about it (comment lines for the stack file)."""

    name: str
    declaration: Json
    notes: tuple[str, ...] = ()
    #: config keys (serving namespace) the user must set with ``pulumi config set --secret``
    secret_keys: tuple[str, ...] = field(default=())


def config_key(*parts: str) -> str:
    """A stack config key (serving namespace) derived from object names: letters, digits and ``_`` only."""
    return re.sub(r"[^A-Za-z0-9_]+", "_", "_".join(parts)).strip("_") or "secret"


def endpoint_declaration(endpoint: Json, permissions: Json | None, caller: str | None) -> Generated:
    """The declaration of a live endpoint (GET body) and its permissions (GET permissions answer, or None)."""
    name = str(endpoint["name"])
    config, secret_keys = _config(name, comparable_endpoint.target_config(endpoint))
    decl: Json = {"name": name, "adopt": True, "config": config}
    tags = normalize.tags(endpoint.get("tags"))
    if tags:
        decl["tags"] = tags  # the API's list of {key, value}
    if gateway := normalize.ai_gateway(endpoint.get("ai_gateway")):
        decl["ai_gateway"] = gateway
    limits = (endpoint.get("ai_gateway") or {}).get("rate_limits")
    if limits:
        decl["rate_limits"] = [normalize.prune(limit) for limit in limits]
    if permissions is not None:
        decl["permissions"] = [g for g in direct_grants(permissions) if not is_caller(g, caller)]
    if endpoint.get("route_optimized"):
        decl["route_optimized"] = True
    for key in TEXT_FIELDS:
        if endpoint.get(key):
            decl[key] = endpoint[key]
    if notifications := comparable_endpoint.email_notifications(endpoint.get("email_notifications")):
        decl["email_notifications"] = notifications
    if telemetry := normalize.prune(endpoint.get("telemetry_config")):
        decl["telemetry_config"] = telemetry
    notes = [f"adopted from the serving API: `pulumi up` takes endpoint {name!r} over as it is"]
    if secret_keys:
        notes = [
            "adopted from the serving API: its plaintext credentials are write-only: set "
            + ", ".join(f"serving:{k}" for k in secret_keys)
            + f" (`pulumi config set --secret serving:<key> <value>`); `pulumi up` takes endpoint {name!r} over "
            "and sends them once (a new config version)"
        ]
    return Generated(name, decl, tuple(notes), tuple(secret_keys))


def _config(endpoint: str, live: Json) -> tuple[Json, list[str]]:
    """The declared config of a live one (``config`` or ``pending_config`` body) and its plaintext config keys."""
    entities = normalize.served_entities(live)
    config: Json = {"served_entities": entities}
    routes = normalize.traffic_routes(live, entities)
    default = (default_routes([str(e.get("name", "")) for e in entities]) or {}).get("routes")
    if not default or routes != normalize.traffic_routes({"traffic_config": {"routes": default}}, entities):
        config["traffic_config"] = {
            "routes": [{"served_entity_name": r["name"], "traffic_percentage": r["traffic_percentage"]} for r in routes]
        }
    capture = {k: v for k, v in (live.get("auto_capture_config") or {}).items() if k != "state"}
    if capture:
        config["auto_capture_config"] = capture
    secret_keys: list[str] = []
    for entity in entities:
        secret_keys += _plaintext_placeholders(endpoint, entity)
    return config, secret_keys


def _plaintext_placeholders(endpoint: str, entity: Json) -> list[str]:
    """Fill ``{secret: key}`` into each credential the live entity lacks (its plaintext is never echoed)."""
    model = entity.get("external_model")
    if not isinstance(model, dict):
        return []
    added: list[str] = []
    for _ in CREDENTIAL_PAIRS:  # one missing credential per round, at most one round per pair
        problems = payloads.validate_endpoint_config({"served_entities": [entity]})
        found = next((m for p in problems if (m := _MISSING_CREDENTIAL.search(p.message))), None)
        if found is None:
            return added
        pair = next(p for p in CREDENTIAL_PAIRS if p.plaintext_field == found[2])
        block: Json = model
        for part in pair.block.split("."):
            block = block.setdefault(part, {})
        key = config_key(endpoint, str(entity.get("name", "")), pair.field)
        block[pair.plaintext_field] = {"secret": key}
        added.append(key)
    return added


def scope_declaration(
    scope: str, acls: list[Json], secret_keys: list[str], caller: str | None, *, manage_secrets: bool = False
) -> Generated:
    """The declaration of a live scope: its grants (authoritative; the caller's own grant stays implicit) and its
    secrets, unmanaged (listed in a note) or, with ``manage_secrets``, as ``value_from`` entries to fill."""
    keys = sorted(k for k in secret_keys if not is_marker_secret(k))
    grants = sorted(
        ({"principal": str(a["principal"]), "permission": str(a["permission"])} for a in acls),
        key=lambda a: a["principal"],
    )
    decl: Json = {"scope": scope, "adopt": True}
    notes = [f"adopted from the serving API: `pulumi up` takes secret scope {scope!r} over as it is"]
    config_keys: list[str] = []
    if manage_secrets and keys:
        decl["secrets"] = [{"key": k, "value_from": config_key(scope, k)} for k in keys]
        config_keys = [config_key(scope, k) for k in keys]
        notes.append(
            "secret values are write-only: set "
            + ", ".join(f"serving:{k}" for k in config_keys)
            + " (`pulumi config set --secret serving:<key> <value>`) before `pulumi up`, which writes them"
        )
    elif keys:
        notes.append(
            "secrets kept as they are, not managed by this stack (values are write-only): "
            + ", ".join(keys)
            + "; to manage one, add it under secrets: with value_from: <config key>"
        )
    decl["acls"] = [g for g in grants if g["principal"] != caller]
    decl["authoritative_acls"] = True
    return Generated(scope, decl, tuple(notes), tuple(config_keys))
