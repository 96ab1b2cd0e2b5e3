"""Serving-endpoint permissions: CAN_VIEW < CAN_QUERY < CAN_MANAGE, the admin holding CAN_MANAGE everywhere,
and the ``/api/2.0/permissions/serving-endpoints/{id}`` API."""

from __future__ import annotations

import copy
import sqlite3
import time
from collections.abc import Callable

from ..payloads import endpoints as spec
from ..payloads.permission_levels import PERMISSION_ORDER
from .endpoint_documents import Doc
from .endpoint_records import load, load_by_id
from .errors import PermissionDenied
from .principals import ADMINS_GROUP, Principal
from .storage import Database

PERMISSION_LEVELS = [
    {"permission_level": "CAN_MANAGE", "description": "Can manage, query and view the endpoint"},
    {"permission_level": "CAN_QUERY", "description": "Can query and view the endpoint"},
    {"permission_level": "CAN_VIEW", "description": "Can view the endpoint"},
]


def principal_kind(principal: Principal) -> str:
    return "service_principal_name" if principal.service_principal else "user_name"


class EndpointAcls:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time):
        self._db = db
        self._clock = clock

    def _now(self) -> int:
        return int(self._clock() * 1000)

    def level(self, conn: sqlite3.Connection, principal: Principal, endpoint_id: str) -> str | None:
        """``principal``'s strongest level on the endpoint (CAN_MANAGE for the admin), None when none."""
        if principal.is_admin:
            return "CAN_MANAGE"
        rows = conn.execute(
            "SELECT principal_kind, principal_name, level FROM endpoint_acls WHERE endpoint_id = ?", (endpoint_id,)
        ).fetchall()
        levels = [r["level"] for r in rows if principal.holds(r["principal_kind"], r["principal_name"])]
        return max(levels, key=PERMISSION_ORDER.__getitem__) if levels else None

    def require(self, conn: sqlite3.Connection, principal: Principal, doc: Doc, needed: str) -> str:
        have = self.level(conn, principal, doc["id"])
        if have is None or PERMISSION_ORDER[have] < PERMISSION_ORDER[needed]:
            raise PermissionDenied(f"User {principal.name} does not have {needed} on endpoint '{doc['name']}'.")
        return have

    def grant_creator(self, conn: sqlite3.Connection, principal: Principal, endpoint_id: str) -> None:
        if not principal.is_admin:
            conn.execute(
                "INSERT INTO endpoint_acls VALUES (?, ?, ?, 'CAN_MANAGE')",
                (endpoint_id, principal_kind(principal), principal.name),
            )

    def permission_level(self, principal: Principal, name: str) -> str | None:
        """``principal``'s level on endpoint ``name`` (CAN_MANAGE for the admin), None when none."""
        with self._db.read() as conn:
            return self.level(conn, principal, load(conn, name, self._now())["id"])

    def require_permission(self, principal: Principal, name: str, needed: str) -> Doc:
        """The settled record when ``principal`` holds at least ``needed``; 404/403 otherwise."""
        with self._db.read() as conn:
            doc = load(conn, name, self._now())
            self.require(conn, principal, doc, needed)
            return doc

    def visible_ids(self, conn: sqlite3.Connection, principal: Principal) -> set[str] | None:
        """Ids of the endpoints ``principal`` may see (None: all of them, for the admin)."""
        if principal.is_admin:
            return None
        return {
            row["id"]
            for row in conn.execute("SELECT DISTINCT endpoint_id AS id FROM endpoint_acls")
            if self.level(conn, principal, row["id"]) is not None
        }

    def _view(self, conn: sqlite3.Connection, doc: Doc) -> Doc:
        rows = conn.execute(
            "SELECT principal_kind, principal_name, level FROM endpoint_acls WHERE endpoint_id = ? "
            "ORDER BY principal_kind, principal_name",
            (doc["id"],),
        ).fetchall()
        acl = [
            {
                r["principal_kind"]: r["principal_name"],
                "display_name": r["principal_name"],
                "all_permissions": [{"permission_level": r["level"], "inherited": False}],
            }
            for r in rows
        ]
        acl.append(
            {
                "group_name": ADMINS_GROUP,
                "display_name": ADMINS_GROUP,
                "all_permissions": [
                    {
                        "permission_level": "CAN_MANAGE",
                        "inherited": True,
                        "inherited_from_object": ["/serving-endpoints/"],
                    }
                ],
            }
        )
        return {
            "object_id": f"/serving-endpoints/{doc['id']}",
            "object_type": "serving-endpoint",
            "access_control_list": acl,
        }

    def get_permissions(self, principal: Principal, endpoint_id: str) -> Doc:
        with self._db.read() as conn:
            doc = load_by_id(conn, endpoint_id, self._now())
            self.require(conn, principal, doc, "CAN_VIEW")
            return self._view(conn, doc)

    def permission_levels(self, principal: Principal, endpoint_id: str) -> Doc:
        with self._db.read() as conn:
            self.require(conn, principal, load_by_id(conn, endpoint_id, self._now()), "CAN_VIEW")
        return {"permission_levels": copy.deepcopy(PERMISSION_LEVELS)}

    def set_permissions(
        self, principal: Principal, endpoint_id: str, req: spec.PermissionsRequest, *, replace: bool
    ) -> Doc:
        """PUT (``replace``: direct grants become exactly the list) or PATCH (merge)."""

        def change(conn: sqlite3.Connection) -> Doc:
            doc = load_by_id(conn, endpoint_id, self._now())
            self.require(conn, principal, doc, "CAN_MANAGE")
            if replace:
                conn.execute("DELETE FROM endpoint_acls WHERE endpoint_id = ?", (endpoint_id,))
            for entry in req.access_control_list or []:
                kind, who = entry.principal()
                conn.execute(
                    "INSERT INTO endpoint_acls VALUES (?, ?, ?, ?) ON CONFLICT(endpoint_id, principal_kind, "
                    "principal_name) DO UPDATE SET level = excluded.level",
                    (endpoint_id, kind, who, entry.permission_level),
                )
            return self._view(conn, doc)

        return self._db.transact(change, freeing=replace)
