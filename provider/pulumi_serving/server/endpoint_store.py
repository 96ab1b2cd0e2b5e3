"""Serving endpoints backend: records in SQLite, config rollouts, gateway config, tags.

Permissions live in :mod:`.endpoint_acls`, credentials (sealing, reference binding, the gateway's
authorized lookup) in :mod:`.endpoint_credentials`; this module is the CRUD of endpoints.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import time
import uuid
from collections.abc import Callable
from typing import Any

from ..payloads import endpoints as spec
from ..payloads.server_behaviour import default_routes
from ..payloads.tag_rules import tag_count_problem
from .egress import Egress
from .endpoint_acls import EndpointAcls
from .endpoint_credentials import EndpointCredentials
from .endpoint_documents import Doc, detailed_view, is_updating, merge_tags, settle, summary_view
from .endpoint_records import load, save
from .errors import InvalidParameterValue, ResourceAlreadyExists, ResourceConflict, ResourceDoesNotExist
from .principals import Principal
from .storage import Database


class EndpointStore:
    """Backend of ``/api/2.0/serving-endpoints`` and ``/api/2.0/permissions/serving-endpoints``."""

    def __init__(
        self,
        db: Database,
        acls: EndpointAcls,
        credentials: EndpointCredentials,
        egress: Egress,
        update_delay_s: float,
        clock: Callable[[], float] = time.time,
    ):
        self._db = db
        self._acls = acls
        self._credentials = credentials
        self._egress = egress
        self._delay_ms = int(update_delay_s * 1000)
        self._clock = clock

    def _now(self) -> int:
        return int(self._clock() * 1000)

    def record(self, name: str) -> Doc:
        """Internal: the settled stored document (plaintext credentials still sealed)."""
        with self._db.read() as conn:
            return load(conn, name, self._now())

    # config storage
    def _stored_config(
        self, principal: Principal, endpoint_id: str, config: spec.EndpointCoreConfigInput, version: int, prefix: str
    ) -> Doc:
        now = self._now()
        binding = self._credentials.bind(principal, config, prefix)
        entities = []
        for entity in config.entities():
            data = entity.model_dump(mode="json", exclude_none=True)
            data["name"] = entity.effective_name()
            self._credentials.seal_entity(endpoint_id, data)
            entities.append(data)
        self._egress.check_config(entities, f"{prefix}." if prefix else "")
        stored: Doc = {
            "config_version": version,
            "served_entities": entities,
            "start_time": now,
            "ready_at": now + self._delay_ms,
            "creator": principal.name,
            **binding,
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

    def _apply_config(self, principal: Principal, doc: Doc, config: spec.EndpointCoreConfigInput, prefix: str) -> None:
        version = doc.get("config_version", 0) + 1
        doc["config_version"] = version
        doc["pending"] = self._stored_config(principal, doc["id"], config, version, prefix)
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
        now = self._now()
        endpoint_id = uuid.uuid4().hex
        doc: Doc = {
            "name": req.name,
            "id": endpoint_id,
            "creator": principal.name,
            "creation_timestamp": now,
            "last_updated_timestamp": now,
            "description": req.description or "",
            "config_version": 0,
            "config": None,
            "pending": None,
            "tags": merge_tags([], [t.to_api() for t in req.tags or []], []),
            "ai_gateway": self._gateway(req.name, req.ai_gateway),
            "legacy_rate_limits": [r.to_api() for r in req.rate_limits] if req.rate_limits else None,
            "route_optimized": req.route_optimized,
            "budget_policy_id": req.budget_policy_id,
            "usage_policy_id": req.usage_policy_id,
            "email_notifications": req.email_notifications.to_api() if req.email_notifications else None,
        }
        if req.config is not None:
            self._apply_config(principal, doc, req.config, "config")
            if req.telemetry_config and req.config.external_task() is None:  # dropped for external models
                doc["telemetry_config"] = req.telemetry_config
        with self._db.write() as conn:
            if conn.execute("SELECT 1 FROM endpoints WHERE name = ?", (req.name,)).fetchone():
                raise ResourceAlreadyExists(f"Endpoint with name '{req.name}' already exists.")
            conn.execute("INSERT INTO endpoints VALUES (?, ?, ?)", (req.name, endpoint_id, json.dumps(doc)))
            self._acls.grant_creator(conn, principal, endpoint_id)
        return detailed_view(settle(doc, self._now()), "CAN_MANAGE")

    def get(self, principal: Principal, name: str) -> Doc:
        with self._db.read() as conn:
            doc = load(conn, name, self._now())
            level = self._acls.require(conn, principal, doc, "CAN_VIEW")
        return detailed_view(doc, level)

    def list(self, principal: Principal) -> list[Doc]:
        now = self._now()
        with self._db.read() as conn:
            rows = conn.execute("SELECT id, doc FROM endpoints ORDER BY name").fetchall()
            visible = self._acls.visible_ids(conn, principal)
        return [summary_view(settle(json.loads(r["doc"]), now)) for r in rows if visible is None or r["id"] in visible]

    def delete(self, principal: Principal, name: str) -> None:
        def delete(conn: sqlite3.Connection) -> None:
            self._acls.require(conn, principal, load(conn, name, self._now()), "CAN_MANAGE")
            conn.execute("DELETE FROM endpoints WHERE name = ?", (name,))

        self._db.transact(delete, freeing=True)

    def _mutate(
        self, principal: Principal, name: str, change: Callable[[Doc], Any], *, block_while_updating: bool
    ) -> tuple[Doc, Any]:
        with self._db.write() as conn:
            doc = load(conn, name, self._now())
            self._acls.require(conn, principal, doc, "CAN_MANAGE")
            if block_while_updating and is_updating(doc):
                raise ResourceConflict(
                    f"Endpoint {name} is currently updating. Wait for the update to complete "
                    "(config_update NOT_UPDATING) before making another update."
                )
            doc = copy.deepcopy(doc)
            result = change(doc)
            doc["last_updated_timestamp"] = self._now()
            save(conn, doc)
        return doc, result

    def update_config(self, principal: Principal, name: str, config: spec.EndpointCoreConfigInput) -> Doc:
        def change(doc: Doc) -> None:
            current = doc.get("config") or doc.get("pending")
            if current is not None:
                was_external = any("external_model" in e for e in current["served_entities"])
                problem = spec.external_transition_problem(was_external, config.external_task() is not None)
                if problem:
                    raise InvalidParameterValue(f"served_entities: {problem}")
            self._apply_config(principal, doc, config, "")

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
            doc["tags"] = merge_tags(
                doc.get("tags") or [], [t.to_api() for t in req.add_tags or []], req.delete_tags or []
            )
            if problem := tag_count_problem(len(doc["tags"])):
                raise InvalidParameterValue(f"add_tags: {problem}")
            return {"tags": doc["tags"]}

        return self._mutate(principal, name, change, block_while_updating=False)[1]

    def patch_notifications(self, principal: Principal, name: str, req: spec.PatchNotificationsRequest) -> Doc:
        def change(doc: Doc) -> Doc:
            doc["email_notifications"] = req.email_notifications.to_api() if req.email_notifications else None
            return {"name": name, "email_notifications": doc["email_notifications"] or {}}

        return self._mutate(principal, name, change, block_while_updating=False)[1]

    def patch_telemetry(self, principal: Principal, name: str, req: spec.PatchTelemetryRequest) -> Doc:
        def change(doc: Doc) -> None:
            current = doc.get("pending") or doc.get("config") or {}
            if any("external_model" in e for e in current.get("served_entities") or []):
                raise InvalidParameterValue("telemetry_config is not supported for endpoint type 'EXTERNAL_MODELS'")
            doc["telemetry_config"] = req.telemetry_config

        doc, _ = self._mutate(principal, name, change, block_while_updating=True)
        return detailed_view(settle(doc, self._now()), "CAN_MANAGE")

    def served_entity_logs(self, principal: Principal, name: str, served_name: str) -> Doc:
        doc = self._acls.require_permission(principal, name, "CAN_VIEW")
        live = [c for c in (doc.get("config"), doc.get("pending")) if c]
        if not any(e["name"] == served_name for c in live for e in c["served_entities"]):
            raise ResourceDoesNotExist(f"Served model '{served_name}' does not exist in endpoint '{name}'.")
        return {"logs": ""}
