"""No user can become the admin: the admin token's principal is an identity no other token can take.

`tokens create` refuses a user named like the admin or a built-in group (case, look-alike letters, compatibility
forms) and a group named like the admin; a token stored before that rule under such a name is refused, so the
exploit of the third security round (user `admin` lists the admin's scope ACLs and points an endpoint of its own
at a listener with `{{secrets/<admin scope>/k}}`) gets nothing, over real HTTP."""

from __future__ import annotations

import json
import shlex
import sqlite3
import subprocess
import time

import pytest

from pulumi_serving.server.principals import hash_token, new_token
from tests.support.payloads import create_body, error, openai_entity

from .test_server_cli import run_cli

ADMIN_SCOPE = "admin-scope"
# case, whitespace, look-alike letters, compatibility forms, combining marks
LOOK_ALIKES = [
    "admin",
    "Admin",
    "ADMIN",
    "admin ",
    " ad min",
    "\u0430dmin",
    "\uff41\uff44\uff4d\uff49\uff4e",
    "a\u0301dmin",
]


@pytest.fixture(scope="module")
def server(live_server):
    with live_server.client() as admin:
        assert admin.post("/api/2.0/secrets/scopes/create", json={"scope": ADMIN_SCOPE}).status_code == 200
        put = {"scope": ADMIN_SCOPE, "key": "k", "string_value": "sk-the-admins-own"}
        assert admin.post("/api/2.0/secrets/put", json=put).status_code == 200
        acls = admin.get("/api/2.0/secrets/acls/list", params={"scope": ADMIN_SCOPE}).json()["items"]
        assert acls == [{"principal": "admin", "permission": "MANAGE"}]  # the admin's grant, keyed by its name
    return live_server


def _refused(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0 and not done.stdout and "Traceback" not in done.stderr, done
    (line,) = done.stderr.strip().splitlines()
    return line


@pytest.mark.parametrize(
    "user", ["admin", "ad min", "\u0430dmin", "Users"]
)  # every variant: tests/unit/test_principal_names.py
def test_tokens_create_refuses_a_user_named_like_the_admin_or_a_built_in_group(server, user):
    line = _refused(run_cli("tokens", "create", "--data-dir", str(server.data_dir), "--user", user))
    assert line.startswith(f"pulumi-serving tokens create: {user!r} is reserved") and "choose another name" in line


def test_tokens_create_refuses_a_group_named_like_the_admin(server):
    done = run_cli("tokens", "create", "--data-dir", str(server.data_dir), "--user", "mallory", "--group", "Admin")
    assert "'Admin' is reserved: it reads as 'admin'" in _refused(done)


def _legacy_token(server, user: str, groups: tuple[str, ...] = ()) -> str:
    """A token stored by a server from before names were reserved (written straight into its database)."""
    token = new_token()
    with sqlite3.connect(server.data_dir / "serving.sqlite3") as conn:
        conn.execute(
            "INSERT INTO tokens VALUES (?, ?, ?, 0, ?, NULL)",
            (hash_token(token), user, json.dumps(list(groups)), int(time.time() * 1000)),
        )
    return token


@pytest.mark.parametrize("user, groups", [*((u, ()) for u in LOOK_ALIKES), ("mallory", ("admin",))])
def test_a_stored_token_named_like_the_admin_gets_nothing_of_the_admins(server, user, groups):
    with server.client(_legacy_token(server, user, groups)) as poser:
        listed = poser.get("/api/2.0/secrets/acls/list", params={"scope": ADMIN_SCOPE})
        ref = {"openai_api_key": f"{{{{secrets/{ADMIN_SCOPE}/k}}}}", "openai_api_base": "http://127.0.0.1:9/v1"}
        created = poser.post("/api/2.0/serving-endpoints", json=create_body("poser", openai_entity(key=ref)))
    for response in (listed, created):
        status, code, message = error(response)
        assert (status, code) == (401, "UNAUTHENTICATED"), response.text
        assert "may not be used" in message  # reserved, or (spaces around it) not a principal name at all
        assert f"`pulumi-serving tokens revoke --user {shlex.quote(user)}`" in message  # quoted: pasted as is


def test_the_admin_and_a_real_admins_member_keep_their_powers(server):
    with server.client() as admin:
        assert admin.get("/api/2.0/secrets/acls/list", params={"scope": ADMIN_SCOPE}).status_code == 200
    with server.client(server.mint_token("ops@example.com", groups=("admins",))) as member:
        assert member.get("/api/2.0/secrets/acls/list", params={"scope": ADMIN_SCOPE}).status_code == 200


def test_serve_names_the_stored_tokens_it_refuses_at_start(server):
    _legacy_token(server, "Admin")
    server.stop()
    server.restart()
    warnings = [line for line in server.output().splitlines() if "is refused: 'Admin' is reserved" in line]
    assert warnings and "pulumi-serving tokens revoke --id " in warnings[-1]
