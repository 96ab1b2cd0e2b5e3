"""Secret scopes, secrets (encrypted at rest) and scope ACLs with enforcement.

Each scope has a ``uid`` drawn when it is created, so a scope deleted and recreated under the same name is a
different scope: what an endpoint was bound to (:meth:`SecretStore.bind`) is never silently another scope.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import time
import uuid
from typing import Any

from ..payloads import secrets as spec
from .crypto import SecretBox
from .errors import (
    BadRequest,
    InvalidParameterValue,
    PermissionDenied,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
    ResourceLimitExceeded,
)
from .principals import ALL_USERS_GROUP, Principal
from .storage import Database


def _now_ms() -> int:
    return int(time.time() * 1000)


def _context(scope: str, key: str) -> str:
    return f"secret:{scope.lower()}/{key}"


class SecretStore:
    """Backend of ``/api/2.0/secrets``. Every method takes the caller and enforces scope ACLs (admin bypasses)."""

    def __init__(self, db: Database, box: SecretBox):
        self._db = db
        self._box = box

    # ACL evaluation
    def _scope_row(self, conn: Any, scope: str) -> Any:
        row = conn.execute("SELECT * FROM scopes WHERE name = ?", (scope,)).fetchone()
        if row is None:
            raise ResourceDoesNotExist(f"Scope {scope} does not exist!")
        return row

    def permission(self, conn: Any, principal: Principal, scope: str) -> str | None:
        """Strongest ACL permission of ``principal`` on ``scope`` (MANAGE for the admin)."""
        if principal.is_admin:
            return "MANAGE"
        names = principal.acl_names()
        rows = conn.execute("SELECT principal, permission FROM scope_acls WHERE scope = ?", (scope,)).fetchall()
        levels = [r["permission"] for r in rows if r["principal"] in names]
        return max(levels, key=spec.ACL_ORDER.__getitem__) if levels else None

    def _require(self, conn: Any, principal: Principal, scope: str, needed: str) -> Any:
        row = self._scope_row(conn, scope)
        have = self.permission(conn, principal, row["name"])
        if have is None or spec.ACL_ORDER[have] < spec.ACL_ORDER[needed]:
            raise PermissionDenied(f"User {principal.name} does not have {needed} permission on scope {row['name']}.")
        return row

    def bind(self, principal: Principal, refs: list[tuple[str, str]]) -> tuple[dict[str, str], list[int]]:
        """Bind references ``(scope, key)`` that ``principal`` may READ to their scopes' uids.

        Returns ``{"scope/key": uid}`` and the indexes of the references that do not exist or are not
        readable by ``principal``."""
        bound: dict[str, str] = {}
        refused = []
        with self._db.read() as conn:
            for index, (scope, key) in enumerate(refs):
                row = conn.execute("SELECT name, uid FROM scopes WHERE name = ?", (scope,)).fetchone()
                readable = row is not None and self.permission(conn, principal, row["name"]) is not None
                if (
                    readable
                    and conn.execute("SELECT 1 FROM secrets WHERE scope = ? AND key = ?", (scope, key)).fetchone()
                ):
                    bound[f"{scope}/{key}"] = row["uid"]
                else:
                    refused.append(index)
        return bound, refused

    def use_problem(self, owner: Principal, scope: str, uid: str | None) -> str | None:
        """Why ``owner`` may not use scope ``scope`` bound at ``uid`` any more (None when it may)."""
        with self._db.read() as conn:
            row = conn.execute("SELECT name, uid FROM scopes WHERE name = ?", (scope,)).fetchone()
            if row is None:
                return f"scope {scope} no longer exists"
            if uid is None or row["uid"] != uid:
                return (
                    f"scope {scope} was deleted and created again after the endpoint's config was set; "
                    "someone with READ on it must update the endpoint's config"
                )
            if self.permission(conn, owner, row["name"]) is None:
                return (
                    f"the endpoint's owner {owner.name} no longer has READ on scope {scope}; someone with READ "
                    "on it must update the endpoint's config"
                )
        return None

    # scopes
    def create_scope(self, principal: Principal, req: spec.CreateScope) -> None:
        with self._db.write() as conn:
            if conn.execute("SELECT 1 FROM scopes WHERE name = ?", (req.scope,)).fetchone():
                raise ResourceAlreadyExists(f"Scope {req.scope} already exists!", status=400)
            (count,) = conn.execute("SELECT COUNT(*) FROM scopes").fetchone()
            if count >= spec.MAX_SCOPES:
                raise ResourceLimitExceeded(f"Cannot create more than {spec.MAX_SCOPES} scopes.")
            keyvault = req.backend_azure_keyvault.model_dump() if req.backend_azure_keyvault else None
            conn.execute(
                "INSERT INTO scopes (name, backend_type, keyvault_json, creator, created_ms, uid) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    req.scope,
                    req.scope_backend_type or "DATABRICKS",
                    json.dumps(keyvault) if keyvault else None,
                    principal.name,
                    _now_ms(),
                    uuid.uuid4().hex,
                ),
            )
            grantee = ALL_USERS_GROUP if req.initial_manage_principal == ALL_USERS_GROUP else principal.name
            conn.execute("INSERT INTO scope_acls VALUES (?, ?, 'MANAGE')", (req.scope, grantee))

    def delete_scope(self, principal: Principal, scope: str) -> None:
        def delete(conn: sqlite3.Connection) -> None:
            row = self._require(conn, principal, scope, "MANAGE")
            conn.execute("DELETE FROM scopes WHERE name = ?", (row["name"],))

        self._db.transact(delete, freeing=True)

    def list_scopes(self, principal: Principal) -> list[dict[str, Any]]:
        with self._db.read() as conn:
            rows = conn.execute("SELECT * FROM scopes ORDER BY name").fetchall()
            out = []
            for row in rows:
                if self.permission(conn, principal, row["name"]) is None:
                    continue
                item: dict[str, Any] = {"name": row["name"], "backend_type": row["backend_type"]}
                if row["keyvault_json"]:
                    item["keyvault_metadata"] = json.loads(row["keyvault_json"])
                out.append(item)
            return out

    # secrets
    def put_secret(self, principal: Principal, req: spec.PutSecret) -> None:
        with self._db.write() as conn:
            row = self._require(conn, principal, req.scope, "WRITE")
            if row["backend_type"] != "DATABRICKS":
                raise BadRequest(f"Scope {row['name']} is backed by Azure Key Vault and is read-only.")
            exists = conn.execute(
                "SELECT 1 FROM secrets WHERE scope = ? AND key = ?", (row["name"], req.key)
            ).fetchone()
            if not exists:
                (count,) = conn.execute("SELECT COUNT(*) FROM secrets WHERE scope = ?", (row["name"],)).fetchone()
                if count >= spec.MAX_SECRETS_PER_SCOPE:
                    raise ResourceLimitExceeded(
                        f"Scope {row['name']} already holds {spec.MAX_SECRETS_PER_SCOPE} secrets, the maximum."
                    )
            sealed = self._box.seal(req.value_bytes(), _context(row["name"], req.key))
            conn.execute(
                "INSERT INTO secrets VALUES (?, ?, ?, ?, ?) ON CONFLICT(scope, key) DO UPDATE SET "
                "kind = excluded.kind, ciphertext = excluded.ciphertext, updated_ms = excluded.updated_ms",
                (row["name"], req.key, req.value_kind(), sealed, _now_ms()),
            )

    def delete_secret(self, principal: Principal, scope: str, key: str) -> None:
        def delete(conn: sqlite3.Connection) -> None:
            row = self._require(conn, principal, scope, "WRITE")
            if row["backend_type"] != "DATABRICKS":
                raise BadRequest(f"Scope {row['name']} is backed by Azure Key Vault and is read-only.")
            gone = conn.execute("DELETE FROM secrets WHERE scope = ? AND key = ?", (row["name"], key)).rowcount
            if not gone:
                raise ResourceDoesNotExist(f"Secret {key} does not exist in scope {row['name']}.")

        self._db.transact(delete, freeing=True)

    def list_secrets(self, principal: Principal, scope: str) -> list[dict[str, Any]]:
        with self._db.read() as conn:
            row = self._require(conn, principal, scope, "READ")
            rows = conn.execute(
                "SELECT key, updated_ms FROM secrets WHERE scope = ? ORDER BY key", (row["name"],)
            ).fetchall()
        return [{"key": r["key"], "last_updated_timestamp": r["updated_ms"]} for r in rows]

    def get_secret_base64(self, principal: Principal, scope: str, key: str) -> str:
        """The value base64-encoded, as ``GET /api/2.0/secrets/get`` answers; admin only."""
        if not principal.is_admin:
            raise PermissionDenied("secrets/get is only available to the admin token.")
        return base64.b64encode(self._value(scope, key)).decode()

    def _value(self, scope: str, key: str) -> bytes:
        with self._db.read() as conn:
            row = conn.execute(
                "SELECT scope, ciphertext FROM secrets WHERE scope = ? AND key = ?", (scope, key)
            ).fetchone()
        if row is None:
            raise ResourceDoesNotExist(f"Secret {key} does not exist in scope {scope}.")
        return self._box.open(row["ciphertext"], _context(row["scope"], key))

    def resolve_secret(self, scope: str, key: str) -> str:
        """Internal: the decrypted value of ``scope/key`` as text (no ACL check; for the gateway)."""
        value = self._value(scope, key)
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidParameterValue(f"Secret {key} in scope {scope} is not UTF-8 text.") from None

    # ACLs
    def put_acl(self, principal: Principal, req: spec.PutAcl) -> None:
        with self._db.write() as conn:
            row = self._require(conn, principal, req.scope, "MANAGE")
            conn.execute(
                "INSERT INTO scope_acls VALUES (?, ?, ?) ON CONFLICT(scope, principal) DO UPDATE SET "
                "permission = excluded.permission",
                (row["name"], req.principal, req.permission),
            )

    def delete_acl(self, principal: Principal, scope: str, acl_principal: str) -> None:
        def delete(conn: sqlite3.Connection) -> None:
            row = self._require(conn, principal, scope, "MANAGE")
            gone = conn.execute(
                "DELETE FROM scope_acls WHERE scope = ? AND principal = ?", (row["name"], acl_principal)
            ).rowcount
            if not gone:
                raise ResourceDoesNotExist(f"No ACL for principal {acl_principal} on scope {row['name']}.")

        self._db.transact(delete, freeing=True)

    def get_acl(self, principal: Principal, scope: str, acl_principal: str) -> dict[str, str]:
        with self._db.read() as conn:
            row = self._require(conn, principal, scope, "MANAGE")
            acl = conn.execute(
                "SELECT principal, permission FROM scope_acls WHERE scope = ? AND principal = ?",
                (row["name"], acl_principal),
            ).fetchone()
        if acl is None:
            raise ResourceDoesNotExist(f"No ACL for principal {acl_principal} on scope {row['name']}.")
        return {"principal": acl["principal"], "permission": acl["permission"]}

    def list_acls(self, principal: Principal, scope: str) -> list[dict[str, str]]:
        with self._db.read() as conn:
            row = self._require(conn, principal, scope, "MANAGE")
            rows = conn.execute(
                "SELECT principal, permission FROM scope_acls WHERE scope = ? ORDER BY principal", (row["name"],)
            ).fetchall()
        return [{"principal": r["principal"], "permission": r["permission"]} for r in rows]
