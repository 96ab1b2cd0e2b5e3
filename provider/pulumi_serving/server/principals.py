"""Bearer tokens (stored as SHA-256 hashes, optionally expiring, revocable) mapped to principals; the admin token.

A principal's groups are those its tokens carry, so :func:`principal_by_name` rebuilds a principal that is not
calling (an endpoint's owner) from its live tokens: a revoked or expired token no longer grants its groups.

The admin is the admin token's principal, an identity no other token can take: a token's user may not be named
like the admin or a built-in group, nor its groups like the admin (``spec.principal_names``); a token stored
before that rule with such a name is refused, and grants match a principal only through names it may hold
(:meth:`Principal.acl_names`), so no user matches a grant made to the admin.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shlex
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from ..payloads.names import principal_name_problem
from ..payloads.principal_names import ADMIN_USER, ADMINS_GROUP, ALL_USERS_GROUP, reserved_name_problem
from .crypto import write_private_file
from .errors import Unauthenticated
from .storage import Database
from .versioned_entries import VersionedEntries

ADMIN_TOKEN_FILE = "admin-token"
ADMIN_TOKEN_ENV = "PULUMI_SERVING_ADMIN_TOKEN"
TOKEN_ID_CHARS = 12
MAX_KNOWN_TOKENS = 4096  # verified tokens remembered between writes


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
        """Names a grant may use to match this principal: itself, its groups, ``users``; for anyone but an admin
        never a name reserved for the admin or a look-alike of a built-in group (a principal of a token stored
        before names were reserved, or an endpoint's owner rebuilt by name)."""
        if self.is_admin:
            return {self.name, *self.groups, ALL_USERS_GROUP}
        own = [self.name] if reserved_name_problem(self.name) is None else []
        groups = [g for g in self.groups if reserved_name_problem(g, group=True) is None]
        return {*own, *groups, ALL_USERS_GROUP}

    def holds(self, kind: str, who: str) -> bool:
        """True when an endpoint grant to ``who`` as ``kind`` (``user_name``, ``service_principal_name`` or
        ``group_name``) is this principal's."""
        if who not in self.acl_names():
            return False
        if kind == "group_name":
            return who in (*self.groups, ALL_USERS_GROUP)
        return who == self.name and kind == ("service_principal_name" if self.service_principal else "user_name")


ADMIN = Principal(ADMIN_USER, (ADMINS_GROUP,))


def new_token() -> str:
    return "dapi" + secrets.token_hex(20)


def hash_token(token: str) -> str:
    """Tokens carry 160 random bits, so an unsalted SHA-256 is a sufficient verifier."""
    return hashlib.sha256(token.encode()).hexdigest()


def _now_ms() -> int:
    return int(time.time() * 1000)


def token_id(token_hash: str) -> str:
    """The public id of a token (a prefix of its hash), for ``tokens list`` and ``tokens revoke``."""
    return token_hash[:TOKEN_ID_CHARS]


def resolve_admin_token(data_dir: Path, explicit: str | None, token_file: Path | None = None) -> tuple[str, str]:
    """(admin token, where it came from): ``--admin-token``, ``--admin-token-file``, the environment, or a
    0600 file generated in ``data_dir``."""
    if explicit:
        return explicit, "--admin-token"
    if token_file is not None:
        try:
            token = token_file.read_text().strip()
        except OSError as exc:
            raise ValueError(f"cannot read admin token file {token_file}: {exc.strerror or exc}") from None
        if not token:
            raise ValueError(f"admin token file {token_file} is empty")
        return token, str(token_file)
    if env := os.environ.get(ADMIN_TOKEN_ENV):
        return env, f"${ADMIN_TOKEN_ENV}"
    path = data_dir / ADMIN_TOKEN_FILE
    write_private_file(path, new_token().encode())
    return path.read_text().strip(), str(path)


def token_name_problem(user: str, groups: tuple[str, ...]) -> str | None:
    """Why a token may not carry principal ``user`` with ``groups``, or None."""
    problems = [principal_name_problem(user), reserved_name_problem(user)]
    for group in groups:
        problems += [principal_name_problem(group), reserved_name_problem(group, group=True)]
    return next(filter(None, problems), None)


def issue_token(
    db: Database,
    user: str,
    groups: tuple[str, ...] = (),
    service_principal: bool = False,
    expires_in_s: float | None = None,
) -> str:
    """Store the hash of a new token for the principal and return the token (shown once)."""
    if problem := token_name_problem(user, groups):
        raise ValueError(problem)
    if expires_in_s is not None and expires_in_s <= 0:
        raise ValueError("expiry must be in the future")
    token = new_token()
    now = _now_ms()
    expires = now + int(expires_in_s * 1000) if expires_in_s is not None else None
    with db.write() as conn:
        conn.execute(
            "INSERT INTO tokens (token_hash, user_name, groups_json, service_principal, created_ms, expires_ms) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (hash_token(token), user, json.dumps(sorted(set(groups))), int(service_principal), now, expires),
        )
    return token


@dataclass(frozen=True)
class TokenInfo:
    """What ``tokens list`` shows of a stored token (never the token itself); times in ms."""

    id: str
    user: str
    groups: tuple[str, ...]
    service_principal: bool
    created_ms: int
    expires_ms: int | None


def list_tokens(db: Database) -> list[TokenInfo]:
    """Every stored token, by principal and creation time."""
    with db.read() as conn:
        rows = conn.execute("SELECT * FROM tokens ORDER BY user_name, created_ms").fetchall()
    return [
        TokenInfo(
            token_id(r["token_hash"]),
            r["user_name"],
            tuple(json.loads(r["groups_json"])),
            bool(r["service_principal"]),
            r["created_ms"],
            r["expires_ms"],
        )
        for r in rows
    ]


def revoke_tokens(db: Database, *, token_id_prefix: str | None = None, user: str | None = None) -> int:
    """Delete the token whose id is ``token_id_prefix``, or every token of ``user``; the number revoked."""
    if (token_id_prefix is None) == (user is None):
        raise ValueError("give exactly one of a token id or a user")

    def revoke(conn: sqlite3.Connection) -> int:
        if user is not None:
            return conn.execute("DELETE FROM tokens WHERE user_name = ?", (user,)).rowcount
        if len(token_id_prefix or "") < TOKEN_ID_CHARS:
            raise ValueError(f"a token id has {TOKEN_ID_CHARS} characters (see `tokens list`)")
        return conn.execute(
            "DELETE FROM tokens WHERE substr(token_hash, 1, ?) = ?", (TOKEN_ID_CHARS, token_id_prefix)
        ).rowcount

    return db.transact(revoke, freeing=True)


def refused_tokens(db: Database) -> list[tuple[TokenInfo, str]]:
    """Stored tokens that authentication refuses for their names (issued before names were reserved), each
    with why; ``serve`` names them at start."""
    return [(t, problem) for t in list_tokens(db) if (problem := token_name_problem(t.user, t.groups))]


def principal_by_name(conn: sqlite3.Connection, name: str, service_principal: bool) -> Principal:
    """Principal ``name`` with the groups of its live (unexpired) tokens."""
    rows = conn.execute(
        "SELECT groups_json FROM tokens WHERE user_name = ? AND service_principal = ? "
        "AND (expires_ms IS NULL OR expires_ms > ?)",
        (name, int(service_principal), _now_ms()),
    ).fetchall()
    groups = sorted({g for row in rows for g in json.loads(row["groups_json"])})
    return Principal(name, tuple(groups), service_principal)


class TokenStore:
    """Issues and verifies tokens. The admin token is held only as a hash in memory. Verified tokens are
    remembered (by hash, with their expiry) until the next committed write to the database, so a token
    revoked by any connection (``tokens revoke``) is refused by the next request."""

    def __init__(self, db: Database, admin_token: str):
        self._db = db
        self._admin_hash = hash_token(admin_token)
        self._known = VersionedEntries(db, MAX_KNOWN_TOKENS)  # token hash -> (principal, expires_ms)

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
        self._known.current()
        known = self._known.entries.get(digest)
        if known is None:
            with self._db.read() as conn:
                row = conn.execute(
                    "SELECT user_name, groups_json, service_principal, expires_ms FROM tokens WHERE token_hash = ?",
                    (digest,),
                ).fetchone()
            if row is None:
                raise Unauthenticated("Invalid access token.")
            groups = tuple(json.loads(row["groups_json"]))
            if problem := token_name_problem(row["user_name"], groups):
                raise Unauthenticated(
                    f"This token was issued before principal names were reserved and may not be used: {problem}. "
                    f"Revoke it (`pulumi-serving tokens revoke --user {shlex.quote(row['user_name'])}`) and issue "
                    "one under another name."
                )
            known = self._known.entries[digest] = (
                Principal(row["user_name"], groups, bool(row["service_principal"])),
                row["expires_ms"],
            )
        principal, expires_ms = known
        if expires_ms is not None and expires_ms <= _now_ms():
            raise Unauthenticated("Expired access token.")
        return principal
