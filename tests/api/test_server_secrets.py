"""Secrets API over real HTTP: scopes, put/list/delete, ACLs and their enforcement, limits."""

from __future__ import annotations

import base64

import pytest

from tests.support.payloads import create_body, entity, error

S = "/api/2.0/secrets"


@pytest.fixture(scope="module")
def users(inprocess_live_server):
    """Clients for admin, alice (group ml), bob (group ml), carol (no group), a service principal."""
    tokens = {
        "alice": inprocess_live_server.mint_token("alice", groups=["ml"]),
        "bob": inprocess_live_server.mint_token("bob", groups=["ml"]),
        "carol": inprocess_live_server.mint_token("carol"),
        "sp": inprocess_live_server.mint_token("5a1c-app-id", service_principal=True),
    }
    clients = {name: inprocess_live_server.client(token) for name, token in tokens.items()}
    clients["admin"] = inprocess_live_server.client()
    yield clients
    for client in clients.values():
        client.close()


def test_scope_lifecycle_and_secret_metadata_only(users):
    alice = users["alice"]
    assert alice.post(f"{S}/scopes/create", json={"scope": "team_a"}).json() == {}
    assert error(alice.post(f"{S}/scopes/create", json={"scope": "TEAM_A"})) == (
        400,
        "RESOURCE_ALREADY_EXISTS",
        "Scope TEAM_A already exists!",
    )
    assert alice.post(f"{S}/put", json={"scope": "team_a", "key": "k1", "string_value": "v-one"}).json() == {}
    raw = bytes(range(40))
    alice.post(f"{S}/put", json={"scope": "team_a", "key": "k2", "bytes_value": base64.b64encode(raw).decode()})
    alice.post(f"{S}/put", json={"scope": "team_a", "key": "k1", "string_value": "v-one-updated"})  # upsert
    listed = alice.get(f"{S}/list", params={"scope": "team_a"})
    assert [s["key"] for s in listed.json()["secrets"]] == ["k1", "k2"]
    assert all(isinstance(s["last_updated_timestamp"], int) for s in listed.json()["secrets"])
    assert "v-one" not in listed.text
    assert alice.get(f"{S}/scopes/list").json()["scopes"] == [{"name": "team_a", "backend_type": "DATABRICKS"}]
    assert alice.get(f"{S}/acls/list", params={"scope": "team_a"}).json() == {
        "items": [{"principal": "alice", "permission": "MANAGE"}]
    }
    admin = users["admin"]
    value = admin.get(f"{S}/get", params={"scope": "team_a", "key": "k2"}).json()["value"]
    assert base64.b64decode(value) == raw
    assert error(alice.get(f"{S}/get", params={"scope": "team_a", "key": "k1"}))[:2] == (403, "PERMISSION_DENIED")
    assert alice.post(f"{S}/delete", json={"scope": "team_a", "key": "k2"}).json() == {}
    assert error(alice.post(f"{S}/delete", json={"scope": "team_a", "key": "k2"}))[:2] == (
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )
    assert alice.post(f"{S}/scopes/delete", json={"scope": "team_a"}).json() == {}
    assert error(alice.get(f"{S}/list", params={"scope": "team_a"}))[:2] == (404, "RESOURCE_DOES_NOT_EXIST")
    assert error(alice.post(f"{S}/put", json={"scope": "team_a", "key": "k", "string_value": "v"}))[:2] == (
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )


def test_acls_are_enforced_for_everyone_but_admin(users):
    alice, bob, carol, sp, admin = (users[n] for n in ("alice", "bob", "carol", "sp", "admin"))
    alice.post(f"{S}/scopes/create", json={"scope": "acl_scope"})
    alice.post(f"{S}/put", json={"scope": "acl_scope", "key": "k", "string_value": "top-secret-value"})
    # nobody else can see, read, write or manage the scope
    for other in (bob, carol, sp):
        assert all(s["name"] != "acl_scope" for s in other.get(f"{S}/scopes/list").json()["scopes"])
        assert error(other.get(f"{S}/list", params={"scope": "acl_scope"}))[:2] == (403, "PERMISSION_DENIED")
        assert error(other.post(f"{S}/put", json={"scope": "acl_scope", "key": "x", "string_value": "v"}))[0] == 403
        assert (
            error(
                other.post(f"{S}/acls/put", json={"scope": "acl_scope", "principal": "carol", "permission": "MANAGE"})
            )[0]
            == 403
        )
        assert error(other.post(f"{S}/scopes/delete", json={"scope": "acl_scope"}))[0] == 403
    # READ for the group: list yes, write no
    alice.post(f"{S}/acls/put", json={"scope": "acl_scope", "principal": "ml", "permission": "READ"})
    assert [s["key"] for s in bob.get(f"{S}/list", params={"scope": "acl_scope"}).json()["secrets"]] == ["k"]
    assert error(bob.post(f"{S}/put", json={"scope": "acl_scope", "key": "x", "string_value": "v"}))[0] == 403
    assert error(bob.get(f"{S}/acls/list", params={"scope": "acl_scope"}))[0] == 403
    # WRITE for the service principal by application id
    alice.post(f"{S}/acls/put", json={"scope": "acl_scope", "principal": "5a1c-app-id", "permission": "WRITE"})
    assert sp.post(f"{S}/put", json={"scope": "acl_scope", "key": "sp", "string_value": "v"}).json() == {}
    assert error(carol.get(f"{S}/list", params={"scope": "acl_scope"}))[0] == 403
    assert alice.get(f"{S}/acls/get", params={"scope": "acl_scope", "principal": "ml"}).json() == {
        "principal": "ml",
        "permission": "READ",
    }
    assert alice.post(f"{S}/acls/delete", json={"scope": "acl_scope", "principal": "ml"}).json() == {}
    assert error(bob.get(f"{S}/list", params={"scope": "acl_scope"}))[0] == 403
    assert error(alice.get(f"{S}/acls/get", params={"scope": "acl_scope", "principal": "ml"}))[0] == 404
    # the admin bypasses ACLs
    assert admin.get(f"{S}/acls/list", params={"scope": "acl_scope"}).status_code == 200
    assert admin.post(f"{S}/put", json={"scope": "acl_scope", "key": "adm", "string_value": "v"}).json() == {}


def test_initial_manage_principal_users_grants_everyone(users):
    users["alice"].post(f"{S}/scopes/create", json={"scope": "shared", "initial_manage_principal": "users"})
    assert users["carol"].post(f"{S}/put", json={"scope": "shared", "key": "k", "string_value": "v"}).json() == {}
    assert users["carol"].get(f"{S}/acls/list", params={"scope": "shared"}).json() == {
        "items": [{"principal": "users", "permission": "MANAGE"}]
    }


def test_endpoint_secret_reference_needs_read_on_the_scope(users):
    users["alice"].post(f"{S}/scopes/create", json={"scope": "alice_keys"})
    users["alice"].post(f"{S}/put", json={"scope": "alice_keys", "key": "openai", "string_value": "sk-alice"})
    body = create_body(
        "steal-ep", entity("e", "openai", "gpt-4", "llm/v1/chat", openai_api_key="{{secrets/alice_keys/openai}}")
    )
    status, code, message = error(users["carol"].post("/api/2.0/serving-endpoints", json=body))
    assert (status, code) == (400, "INVALID_PARAMETER_VALUE") and "not readable by carol" in message
    assert users["alice"].post("/api/2.0/serving-endpoints", json=body).status_code == 200
    # endpoints of others are not visible either
    assert all(e["name"] != "steal-ep" for e in users["carol"].get("/api/2.0/serving-endpoints").json()["endpoints"])
    assert error(users["carol"].get("/api/2.0/serving-endpoints/steal-ep"))[:2] == (403, "PERMISSION_DENIED")


def test_value_size_and_count_limits(users):
    admin = users["admin"]
    admin.post(f"{S}/scopes/create", json={"scope": "limits"})
    assert admin.post(f"{S}/put", json={"scope": "limits", "key": "max", "string_value": "x" * 131072}).json() == {}
    status, code, message = error(
        admin.post(f"{S}/put", json={"scope": "limits", "key": "big", "string_value": "x" * 131073})
    )
    assert (status, code) == (400, "INVALID_PARAMETER_VALUE") and "limit is 131072 bytes" in message
    for i in range(999):
        assert admin.post(f"{S}/put", json={"scope": "limits", "key": f"k{i}", "string_value": "v"}).status_code == 200
    assert error(admin.post(f"{S}/put", json={"scope": "limits", "key": "one-too-many", "string_value": "v"}))[:2] == (
        400,
        "RESOURCE_LIMIT_EXCEEDED",
    )
    assert admin.post(f"{S}/put", json={"scope": "limits", "key": "k1", "string_value": "overwrite"}).json() == {}


def test_azure_keyvault_scope_is_read_only(users):
    admin = users["admin"]
    assert (
        admin.post(
            f"{S}/scopes/create",
            json={
                "scope": "kv",
                "scope_backend_type": "AZURE_KEYVAULT",
                "backend_azure_keyvault": {
                    "resource_id": "/subscriptions/x",
                    "dns_name": "https://kv.vault.azure.net/",
                },
            },
        ).json()
        == {}
    )
    assert error(admin.post(f"{S}/put", json={"scope": "kv", "key": "k", "string_value": "v"}))[:2] == (
        400,
        "BAD_REQUEST",
    )
    kv = next(s for s in admin.get(f"{S}/scopes/list").json()["scopes"] if s["name"] == "kv")
    assert kv["backend_type"] == "AZURE_KEYVAULT" and kv["keyvault_metadata"]["dns_name"].startswith("https://kv")
