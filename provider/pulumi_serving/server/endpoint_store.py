"""Serving endpoints backend: records in SQLite, config rollouts, gateway config, tags, permissions."""

from __future__ import annotations

import base64
import copy
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from ..spec import endpoints as spec
from ..spec.config_secret_uses import config_secret_uses
from ..spec.secret_ref_syntax import parse_secret_ref
from .crypto import SecretBox
from .endpoint_views import (
    Doc,
    credential_blocks,
    default_routes,
    detailed_view,
    is_updating,
    merge_tags,
    settle,
    summary_view,
)
from .errors import (
    InvalidParameterValue,
    PermissionDenied,
    ResourceAlreadyExists,
    ResourceConflict,
    ResourceDoesNotExist,
)
from .principals import ADMINS_GROUP, ALL_USERS_GROUP, Principal
from .secret_store import SecretStore
from .storage import Database

_SEALED = "sealed:v1:"
PERMISSION_LEVELS = [
    {"permission_level": "CAN_MANAGE", "description": "Can manage, query and view the endpoint"},
    {"permission_level": "CAN_QUERY", "description": "Can query and view the endpoint"},
    {"permission_level": "CAN_VIEW", "description": "Can view the endpoint"},
]
_PRINCIPAL_KINDS = ("user_name", "group_name", "service_principal_name")


def _not_found(name: str) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"Endpoint with name '{name}' does not exist.")


class EndpointStore:
    """Backend of ``/api/2.0/serving-endpoints`` and ``/api/2.0/permissions/serving-endpoints``."""

    def __init__(self, db: Database, box: SecretBox, secrets: SecretStore, update_delay_s: float,
                 clock: Callable[[], float] = time.time):
        self._db = db
        self._box = box
        self._secrets = secrets
        self._delay_ms = int(update_delay_s * 1000)
        self._clock = clock

    def _now(self) -> int:
        return int(self._clock() * 1000)

    # records
    def _load(self, conn: Any, name: str) -> Doc:
        row = conn.execute("SELECT doc FROM endpoints WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise _not_found(name)
        return settle(json.loads(row["doc"]), self._now())

    def _save(self, conn: Any, doc: Doc) -> None:
        conn.execute("UPDATE endpoints SET doc = ? WHERE name = ?", (json.dumps(doc), doc["name"]))

    def record(self, name: str) -> Doc:
        """Internal: the settled stored document (plaintext credentials still sealed)."""
        with self._db.read() as conn:
            return self._load(conn, name)

    # permissions
    def _level(self, conn: Any, principal: Principal, endpoint_id: str) -> str | None:
        if principal.is_admin:
            return "CAN_MANAGE"
        rows = conn.execute(
            "SELECT principal_kind, principal_name, level FROM endpoint_acls WHERE endpoint_id = ?", (endpoint_id,)
        ).fetchall()
        levels = []
        for row in rows:
            kind, who = row["principal_kind"], row["principal_name"]
            if (
                (kind == "user_name" and not principal.service_principal and who == principal.name)
                or (kind == "service_principal_name" and principal.service_principal and who == principal.name)
                or (kind == "group_name" and who in (*principal.groups, ALL_USERS_GROUP))
            ):
                levels.append(row["level"])
        return max(levels, key=spec.PERMISSION_ORDER.__getitem__) if levels else None

    def permission_level(self, principal: Principal, name: str) -> str | None:
        """``principal``'s level on endpoint ``name`` (CAN_MANAGE for the admin), None when none."""
        with self._db.read() as conn:
            doc = self._load(conn, name)
            return self._level(conn, principal, doc["id"])

    def _require(self, conn: Any, principal: Principal, doc: Doc, needed: str) -> str:
        have = self._level(conn, principal, doc["id"])
        if have is None or spec.PERMISSION_ORDER[have] < spec.PERMISSION_ORDER[needed]:
            raise PermissionDenied(f"User {principal.name} does not have {needed} on endpoint '{doc['name']}'.")
        return have

    def require_permission(self, principal: Principal, name: str, needed: str) -> Doc:
        """The settled record when ``principal`` holds at least ``needed``; 404/403 otherwise."""
        with self._db.read() as conn:
            doc = self._load(conn, name)
            self._require(conn, principal, doc, needed)
            return doc

    # config storage
    def _seal_entity(self, endpoint_id: str, entity: dict[str, Any]) -> None:
        model = entity.get("external_model")
        if not isinstance(model, dict):
            return
        for block_path, block, _, plaintext_field in credential_blocks(model):
            value = block.get(plaintext_field)
            if isinstance(value, str) and not value.startswith(_SEALED):
                context = f"endpoint:{endpoint_id}:{block_path}.{plaintext_field}"
                block[plaintext_field] = _SEALED + base64.b64encode(self._box.seal(value.encode(), context)).decode()

    def _unseal(self, endpoint_id: str, block_path: str, field: str, value: str) -> str:
        sealed = base64.b64decode(value[len(_SEALED):])
        return self._box.open(sealed, f"endpoint:{endpoint_id}:{block_path}.{field}").decode()

    def _check_secret_refs(self, principal: Principal, config: spec.EndpointCoreConfigInput, prefix: str) -> None:
        missing = [
            f"{use.path}: secret {use.ref} does not exist or is not readable by {principal.name}"
            for use in config_secret_uses(config, prefix)
            if not self._secrets.can_read(principal, use.ref.scope, use.ref.key)
        ]
        if missing:
            raise InvalidParameterValue("; ".join(missing))

    def _stored_config(self, principal: Principal, endpoint_id: str, config: spec.EndpointCoreConfigInput,
                       version: int) -> Doc:
        now = self._now()
        entities = []
        for entity in config.entities():
            data = entity.model_dump(mode="json", exclude_none=True)
            data["name"] = entity.effective_name()
            self._seal_entity(endpoint_id, data)
            entities.append(data)
        stored: Doc = {
            "config_version": version,
            "served_entities": entities,
            "start_time": now,
            "ready_at": now + self._delay_ms,
            "creator": principal.name,
        }
        if config.served_models is not None:
            stored["served_models"] = [
                {**m.model_dump(mode="json", exclude_none=True), "name": m.effective_name()}
                for m in config.served_models
            ]
        traffic = config.traffic_config.to_api() if config.traffic_config and config.traffic_config.routes else None
        stored["traffic_config"] = traffic or default_routes([e["name"] for e in entities])
        if config.auto_capture_config is not None:
            stored["auto_capture_config"] = config.auto_capture_config.to_api()
        return stored

    def _apply_config(self, principal: Principal, doc: Doc, config: spec.EndpointCoreConfigInput) -> None:
        version = doc.get("config_version", 0) + 1
        doc["config_version"] = version
        doc["pending"] = self._stored_config(principal, doc["id"], config, version)
        if task := config.external_task():
            doc["task"], doc["endpoint_type"] = task, "EXTERNAL_MODEL"

    @staticmethod
    def _gateway(name: str, gateway: spec.AiGatewayConfig | None) -> dict[str, Any] | None:
        if gateway is None:
            return None
        data = gateway.to_api()
        table = data.get("inference_table_config")
        if table and table.get("enabled") and not table.get("table_name_prefix"):
            table["table_name_prefix"] = name
        return data or None

    # operations
    def create(self, principal: Principal, req: spec.CreateServingEndpoint) -> Doc:
        if req.config is not None:
            self._check_secret_refs(principal, req.config, "config")
        now = self._now()
        endpoint_id = uuid.uuid4().hex
        doc: Doc = {
            "name": req.name, "id": endpoint_id, "creator": principal.name, "creation_timestamp": now,
            "last_updated_timestamp": now, "description": req.description or "", "config_version": 0,
            "config": None, "pending": None, "tags": merge_tags([], [t.to_api() for t in req.tags or []], []),
            "ai_gateway": self._gateway(req.name, req.ai_gateway),
            "legacy_rate_limits": [r.to_api() for r in req.rate_limits] if req.rate_limits else None,
            "route_optimized": req.route_optimized, "budget_policy_id": req.budget_policy_id,
            "usage_policy_id": req.usage_policy_id,
            "email_notifications": req.email_notifications.to_api() if req.email_notifications else None,
        }
        if req.config is not None:
            self._apply_config(principal, doc, req.config)
        with self._db.write() as conn:
            if conn.execute("SELECT 1 FROM endpoints WHERE name = ?", (req.name,)).fetchone():
                raise ResourceAlreadyExists(f"Endpoint with name '{req.name}' already exists.")
            conn.execute("INSERT INTO endpoints VALUES (?, ?, ?)", (req.name, endpoint_id, json.dumps(doc)))
            kind = "service_principal_name" if principal.service_principal else "user_name"
            if not principal.is_admin:
                conn.execute("INSERT INTO endpoint_acls VALUES (?, ?, ?, 'CAN_MANAGE')",
                             (endpoint_id, kind, principal.name))
        return detailed_view(settle(doc, self._now()), "CAN_MANAGE")

    def get(self, principal: Principal, name: str) -> Doc:
        with self._db.read() as conn:
            doc = self._load(conn, name)
            level = self._require(conn, principal, doc, "CAN_VIEW")
        return detailed_view(doc, level)

    def list(self, principal: Principal) -> list[Doc]:
        now = self._now()
        with self._db.read() as conn:
            rows = conn.execute("SELECT id, doc FROM endpoints ORDER BY name").fetchall()
            if principal.is_admin:
                visible = None
            else:
                visible = {
                    row["id"] for row in conn.execute("SELECT DISTINCT endpoint_id AS id FROM endpoint_acls")
                    if self._level(conn, principal, row["id"]) is not None
                }
        return [summary_view(settle(json.loads(r["doc"]), now)) for r in rows if visible is None or r["id"] in visible]

    def delete(self, principal: Principal, name: str) -> None:
        with self._db.write() as conn:
            doc = self._load(conn, name)
            self._require(conn, principal, doc, "CAN_MANAGE")
            conn.execute("DELETE FROM endpoints WHERE name = ?", (name,))

    def _mutate(self, principal: Principal, name: str, change: Callable[[Doc], Any], *,
                block_while_updating: bool) -> tuple[Doc, Any]:
        with self._db.write() as conn:
            doc = self._load(conn, name)
            self._require(conn, principal, doc, "CAN_MANAGE")
            if block_while_updating and is_updating(doc):
                raise ResourceConflict(
                    f"Endpoint {name} is currently updating. Wait for the update to complete "
                    "(config_update NOT_UPDATING) before making another update."
                )
            doc = copy.deepcopy(doc)
            result = change(doc)
            doc["last_updated_timestamp"] = self._now()
            self._save(conn, doc)
        return doc, result

    def update_config(self, principal: Principal, name: str, config: spec.EndpointCoreConfigInput) -> Doc:
        def change(doc: Doc) -> None:
            current = doc.get("config") or doc.get("pending")
            if current is not None:
                was_external = any("external_model" in e for e in current["served_entities"])
                problem = spec.external_transition_problem(was_external, config.external_task() is not None)
                if problem:
                    raise InvalidParameterValue(f"served_entities: {problem}")
            self._check_secret_refs(principal, config, "")
            self._apply_config(principal, doc, config)

        doc, _ = self._mutate(principal, name, change, block_while_updating=True)
        return detailed_view(settle(doc, self._now()), "CAN_MANAGE")

    def put_ai_gateway(self, principal: Principal, name: str, gateway: spec.AiGatewayConfig | None) -> Doc:
        def change(doc: Doc) -> Doc:
            doc["ai_gateway"] = self._gateway(name, gateway)
            return doc["ai_gateway"] or {}

        return self._mutate(principal, name, change, block_while_updating=True)[1]

    def put_rate_limits(self, principal: Principal, name: str, req: spec.PutRateLimitsRequest) -> Doc:
        def change(doc: Doc) -> Doc:
            doc["legacy_rate_limits"] = [r.to_api() for r in req.rate_limits or []]
            return {"rate_limits": doc["legacy_rate_limits"]}

        return self._mutate(principal, name, change, block_while_updating=False)[1]

    def patch_tags(self, principal: Principal, name: str, req: spec.PatchTagsRequest) -> Doc:
        def change(doc: Doc) -> Doc:
            doc["tags"] = merge_tags(doc.get("tags") or [], [t.to_api() for t in req.add_tags or []],
                                     req.delete_tags or [])
            return {"tags": doc["tags"]}

        return self._mutate(principal, name, change, block_while_updating=False)[1]

    def patch_notifications(self, principal: Principal, name: str, req: spec.PatchNotificationsRequest) -> Doc:
        def change(doc: Doc) -> Doc:
            doc["email_notifications"] = req.email_notifications.to_api() if req.email_notifications else None
            return {"name": name, "email_notifications": doc["email_notifications"] or {}}

        return self._mutate(principal, name, change, block_while_updating=False)[1]

    def served_entity_logs(self, principal: Principal, name: str, served_name: str) -> Doc:
        doc = self.require_permission(principal, name, "CAN_VIEW")
        live = [c for c in (doc.get("config"), doc.get("pending")) if c]
        if not any(e["name"] == served_name for c in live for e in c["served_entities"]):
            raise ResourceDoesNotExist(f"Served model '{served_name}' does not exist in endpoint '{name}'.")
        return {"logs": ""}

    # permissions API (by endpoint id)
    def _by_id(self, conn: Any, endpoint_id: str) -> Doc:
        row = conn.execute("SELECT name FROM endpoints WHERE id = ?", (endpoint_id,)).fetchone()
        if row is None:
            raise ResourceDoesNotExist(f"Serving endpoint with id '{endpoint_id}' does not exist.")
        return self._load(conn, row["name"])

    def _permissions_view(self, conn: Any, doc: Doc) -> Doc:
        rows = conn.execute(
            "SELECT principal_kind, principal_name, level FROM endpoint_acls WHERE endpoint_id = ? "
            "ORDER BY principal_kind, principal_name", (doc["id"],)
        ).fetchall()
        acl = [
            {r["principal_kind"]: r["principal_name"], "display_name": r["principal_name"],
             "all_permissions": [{"permission_level": r["level"], "inherited": False}]}
            for r in rows
        ]
        acl.append({"group_name": ADMINS_GROUP, "display_name": ADMINS_GROUP, "all_permissions": [
            {"permission_level": "CAN_MANAGE", "inherited": True, "inherited_from_object": ["/serving-endpoints/"]}]})
        return {"object_id": f"/serving-endpoints/{doc['id']}", "object_type": "serving-endpoint",
                "access_control_list": acl}

    def get_permissions(self, principal: Principal, endpoint_id: str) -> Doc:
        with self._db.read() as conn:
            doc = self._by_id(conn, endpoint_id)
            self._require(conn, principal, doc, "CAN_VIEW")
            return self._permissions_view(conn, doc)

    def permission_levels(self, principal: Principal, endpoint_id: str) -> Doc:
        with self._db.read() as conn:
            self._require(conn, principal, self._by_id(conn, endpoint_id), "CAN_VIEW")
        return {"permission_levels": copy.deepcopy(PERMISSION_LEVELS)}

    def set_permissions(self, principal: Principal, endpoint_id: str, req: spec.PermissionsRequest, *,
                        replace: bool) -> Doc:
        """PUT (``replace``: direct grants become exactly the list) or PATCH (merge)."""
        with self._db.write() as conn:
            doc = self._by_id(conn, endpoint_id)
            self._require(conn, principal, doc, "CAN_MANAGE")
            if replace:
                conn.execute("DELETE FROM endpoint_acls WHERE endpoint_id = ?", (endpoint_id,))
            for entry in req.access_control_list or []:
                kind, who = entry.principal()
                conn.execute(
                    "INSERT INTO endpoint_acls VALUES (?, ?, ?, ?) ON CONFLICT(endpoint_id, principal_kind, "
                    "principal_name) DO UPDATE SET level = excluded.level",
                    (endpoint_id, kind, who, entry.permission_level),
                )
            return self._permissions_view(conn, doc)

    # internal seam for the invocations gateway
    def resolve_external_model(self, name: str, served_entity_name: str) -> dict[str, Any]:
        """The live served entity's ``external_model`` with credentials resolved to raw values.

        Each credential pair collapses onto its reference field (``openai_api_key`` holds the key whether
        it was declared as a ``{{secrets/...}}`` reference or as ``*_plaintext``). Never log the result.
        """
        doc = self.record(name)
        config = doc.get("config")
        if not config:
            raise ResourceDoesNotExist(f"Endpoint '{name}' has no live config yet.")
        entity = next((e for e in config["served_entities"] if e["name"] == served_entity_name), None)
        if entity is None or "external_model" not in entity:
            raise ResourceDoesNotExist(f"Served entity '{served_entity_name}' is not an external model of '{name}'.")
        model = copy.deepcopy(entity["external_model"])
        for block_path, block, field, plaintext_field in credential_blocks(model):
            if block.get(plaintext_field) is not None:
                block[field] = self._unseal(doc["id"], block_path, plaintext_field, block.pop(plaintext_field))
            elif block.get(field) is not None:
                ref = parse_secret_ref(block[field])
                block[field] = self._secrets.resolve_secret(ref.scope, ref.key)
        return model

