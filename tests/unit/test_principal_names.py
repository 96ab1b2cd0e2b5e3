"""Principal names a person could misread (pure), and the server's grant matching that keeps every name reserved
for the admin away from users: a principal named like the admin matches no grant of the admin's."""

from __future__ import annotations

import pytest

from pulumi_serving.payloads.principal_names import name_warnings, reserved_name_problem, scripts, skeleton
from pulumi_serving.payloads.secrets import CreateScope
from pulumi_serving.server.crypto import SecretBox
from pulumi_serving.server.principals import ADMIN, Principal, principal_by_name, token_name_problem
from pulumi_serving.server.secret_store import SecretStore
from pulumi_serving.server.storage import Database

CYRILLIC_A = "\u0430"
LIKE_ADMIN = [
    "admin",
    "Admin",
    "ADMIN",
    "aDmIn",
    f"{CYRILLIC_A}dmin",  # Cyrillic a
    "\u0430\u0501m\u0456n",  # Cyrillic a, Komi de, Ukrainian i
    "\u0391DMIN",  # Greek capital alpha
    "\uff41\uff44\uff4d\uff49\uff4e",  # fullwidth
    "a\u0301dmin",  # a + combining acute
    "\u00e1dmin",  # precomposed a-acute
    "adm\u00a0in",  # no-break space inside
    " admin",  # spaces and tabs around or inside
    "admin\t",
    "ad min",
    "ad\u200bmin",  # zero-width space
    "adrnin",  # rn reads as m
]


@pytest.mark.parametrize("name", LIKE_ADMIN)
def test_every_variant_of_the_admins_name_is_reserved_for_users_and_groups(name):
    assert skeleton(name) == "admin"
    assert "is reserved" in (reserved_name_problem(name) or "")
    assert "is reserved" in (reserved_name_problem(name, group=True) or "")
    assert token_name_problem(name, ()) and token_name_problem("mallory", (name,))


def test_built_in_groups_are_reserved_as_user_names_and_only_their_exact_names_are_groups():
    for name in ("admins", "Admins", "users", f"{CYRILLIC_A}dmins", "U\u0455ers"):
        assert reserved_name_problem(name)
    assert reserved_name_problem("admins", group=True) is None and reserved_name_problem("users", group=True) is None
    assert reserved_name_problem("Admins", group=True) and reserved_name_problem(f"{CYRILLIC_A}dmins", group=True)
    for fine in ("alice", "alice@example.com", "adminton", "5a1c-app-id", "\u7530\u4e2d", "\u0438\u0432\u0430\u043d"):
        assert reserved_name_problem(fine) is None and token_name_problem(fine, ("ml",)) is None


def test_scripts_and_warnings_name_mixed_scripts_and_look_alikes_of_known_principals():
    assert scripts(f"{CYRILLIC_A}dmin") == ["CYRILLIC", "LATIN"] and scripts("bob@example.com") == ["LATIN"]
    assert scripts("\u7530\u4e2d\u3072\u308d") == ["CJK"]  # kanji with hiragana: one name in one writing system
    warnings = name_warnings([f"b{CYRILLIC_A}rt", "carol", "d\u0430ve"], ["bart", "dave", "carol"])
    assert warnings == {
        f"b{CYRILLIC_A}rt": "mixes Cyrillic and Latin letters; reads like 'bart'",
        "d\u0430ve": "mixes Cyrillic and Latin letters; reads like 'dave'",
    }
    assert name_warnings(["Bob"], ["bob"]) == {"Bob": "reads like 'bob'"}
    assert name_warnings(["bob", "alice"], ["bob", "carol"]) == {}


@pytest.mark.parametrize("name", LIKE_ADMIN)
def test_a_principal_named_like_the_admin_matches_none_of_the_admins_grants(name):
    poser = Principal(name, ("admin", f"{CYRILLIC_A}dmins", "ml"))
    assert poser.acl_names() == {"ml", "users"}
    assert not poser.holds("user_name", name) and not poser.holds("group_name", "admin")
    assert poser.holds("group_name", "ml") and poser.holds("group_name", "users")
    assert ADMIN.holds("user_name", "admin") and Principal("alice").holds("user_name", "alice")


def test_an_endpoint_owned_by_a_user_named_admin_cannot_use_the_admins_secret(tmp_path):
    db = Database(tmp_path / "data")
    store = SecretStore(db, SecretBox(bytes(32)))
    store.create_scope(ADMIN, CreateScope(scope="admin-scope"))
    with db.write() as conn:  # a token of a user `admin` stored before names were reserved
        conn.execute("INSERT INTO tokens VALUES ('h', 'admin', '[\"admin\"]', 0, 0, NULL)")
    with db.read() as conn:
        owner = principal_by_name(conn, "admin", service_principal=False)
        uid = conn.execute("SELECT uid FROM scopes").fetchone()[0]
        assert store.permission(conn, owner, "admin-scope") is None
    assert "no longer has READ" in (store.use_problem(owner, "admin-scope", uid) or "")
    assert store.use_problem(ADMIN, "admin-scope", uid) is None
    db.close()
