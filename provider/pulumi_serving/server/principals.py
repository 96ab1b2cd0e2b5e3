"""Bearer tokens (stored as SHA-256 hashes) mapped to principals; the admin token."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from .crypto import write_private_file
from .errors import Unauthenticated
from .storage import Database

ADMIN_TOKEN_FILE = "admin-token"
ADMIN_TOKEN_ENV = "PULUMI_SERVING_ADMIN_TOKEN"
ADMIN_USER = "admin"
ADMINS_GROUP = "admins"
ALL_USERS_GROUP = "users"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. ``name`` is a user name, or an application id for a service principal."""

    name: str
    groups: tuple[str, ...] = ()
    service_principal: bool = False

    @property
    def is_admin(self) -> bool:
        return ADMINS_GROUP in self.groups

    def acl_names(self) -> set[str]:
        """Names an ACL entry may use to match this principal: itself, its groups, ``users``."""
        return {self.name, *self.groups, ALL_USERS_GROUP}


ADMIN = Principal(ADMIN_USER, (ADMINS_GROUP,))


def new_token() -> str:
    return "dapi" + secrets.token_hex(20)


def hash_token(token: str) -> str:
    """Tokens carry 160 random bits, so an unsalted SHA-256 is a sufficient verifier."""
    return hashlib.sha256(token.encode()).hexdigest()


def resolve_admin_token(data_dir: Path, explicit: str | None) -> tuple[str, str]:
    """(admin token, where it came from): explicit, environment, or a 0600 file generated in ``data_dir``."""
    if explicit:
        return explicit, "--admin-token"
    if env := os.environ.get(ADMIN_TOKEN_ENV):
        return env, f"${ADMIN_TOKEN_ENV}"
    path = data_dir / ADMIN_TOKEN_FILE
    write_private_file(path, new_token().encode())
    return path.read_text().strip(), str(path)


def issue_token(db: Database, user: str, groups: tuple[str, ...] = (), service_principal: bool = False) -> str:
    """Store the hash of a new token for the principal and return the token (shown once)."""
    if not user or not user.strip():
        raise ValueError("user must not be empty")
    token = new_token()
    with db.write() as conn:
        conn.execute(
            "INSERT INTO tokens VALUES (?, ?, ?, ?, ?)",
            (hash_token(token), user, json.dumps(sorted(set(groups))), int(service_principal),
             int(time.time() * 1000)),
        )
    return token


class TokenStore:
    """Issues and verifies tokens. The admin token is held only as a hash in memory."""

    def __init__(self, db: Database, admin_token: str):
        self._db = db
        self._admin_hash = hash_token(admin_token)

    def create(self, user: str, groups: tuple[str, ...] = (), service_principal: bool = False) -> str:
        return issue_token(self._db, user, groups, service_principal)

    def authenticate(self, authorization: str | None) -> Principal:
        """The principal for an ``Authorization: Bearer`` header; :class:`Unauthenticated` otherwise."""
        if not authorization:
            raise Unauthenticated("No credentials: send 'Authorization: Bearer <token>'.")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("Only bearer tokens are accepted.")
        digest = hash_token(token)
        if hmac.compare_digest(digest, self._admin_hash):
            return ADMIN
        with self._db.read() as conn:
            row = conn.execute(
                "SELECT user_name, groups_json, service_principal FROM tokens WHERE token_hash = ?", (digest,)
            ).fetchone()
        if row is None:
            raise Unauthenticated("Invalid access token.")
        return Principal(row["user_name"], tuple(json.loads(row["groups_json"])), bool(row["service_principal"]))
