"""Reliability and secrecy: kill -9 durability, encryption at rest, no secrets or tokens in the output."""

from __future__ import annotations

from .helpers import create_body, openai_entity

SECRET_VALUE = "sk-durable-canary-7f3a9c"
PLAINTEXT_KEY = "sk-plaintext-canary-19be44"


def _files(server):
    return [p for p in server.data_dir.iterdir() if p.name.startswith("serving.sqlite3")]


def test_acknowledged_writes_survive_kill9_and_are_encrypted_at_rest(server_factory):
    server = server_factory(update_delay=0)
    user_token = server.mint_token("erin", groups=["ml"])
    with server.client() as admin:
        admin.post("/api/2.0/secrets/scopes/create", json={"scope": "durable"})
        assert admin.post("/api/2.0/secrets/put", json={"scope": "durable", "key": "openai_api_key",
                                                        "string_value": SECRET_VALUE}).json() == {}
        admin.post("/api/2.0/secrets/acls/put", json={"scope": "durable", "principal": "ml", "permission": "READ"})
        ref = {"openai_api_key": "{{secrets/durable/openai_api_key}}"}
        assert admin.post("/api/2.0/serving-endpoints", json=create_body("durable-ep", openai_entity(key=ref))
                          ).status_code == 200
        plain = openai_entity("plain", key={"openai_api_key_plaintext": PLAINTEXT_KEY})
        assert admin.post("/api/2.0/serving-endpoints", json=create_body("durable-plain", plain)).status_code == 200
        admin.patch("/api/2.0/serving-endpoints/durable-ep/tags", json={"add_tags": [{"key": "k", "value": "v"}]})
    server.kill9()
    raw = b"".join(p.read_bytes() for p in _files(server))
    assert raw, "the database files exist"
    assert SECRET_VALUE.encode() not in raw and PLAINTEXT_KEY.encode() not in raw
    assert b"durable-ep" in raw  # the file really holds the state we searched
    server.restart()
    with server.client() as admin:
        endpoint = admin.get("/api/2.0/serving-endpoints/durable-ep").json()
        assert endpoint["tags"] == [{"key": "k", "value": "v"}]
        assert endpoint["state"]["config_update"] == "NOT_UPDATING"
        assert [s["key"] for s in admin.get("/api/2.0/secrets/list", params={"scope": "durable"}).json()["secrets"]] \
            == ["openai_api_key"]
        assert admin.get("/api/2.0/secrets/get", params={"scope": "durable", "key": "openai_api_key"}).status_code == 200
    with server.client(user_token) as erin:  # tokens and ACLs survive too
        assert erin.get("/api/2.0/secrets/list", params={"scope": "durable"}).status_code == 200
    output = server.output()
    for needle in (SECRET_VALUE, PLAINTEXT_KEY, server.admin_token, user_token):
        assert needle not in output


def test_secret_values_never_appear_in_responses_or_logs(server_factory):
    server = server_factory()
    with server.client() as admin:
        admin.post("/api/2.0/secrets/scopes/create", json={"scope": "quiet"})
        responses = [
            admin.post("/api/2.0/secrets/put", json={"scope": "quiet", "key": "k", "string_value": SECRET_VALUE}),
            admin.get("/api/2.0/secrets/list", params={"scope": "quiet"}),
            # a raw key pasted into the reference field must not be echoed in the error
            admin.post("/api/2.0/serving-endpoints", json=create_body(
                "leak-ep", openai_entity(key={"openai_api_key": SECRET_VALUE}))),
            admin.post("/api/2.0/serving-endpoints", json=create_body(
                "leak-ep2", openai_entity(key={"openai_api_key_plaintext": SECRET_VALUE, "openai_api_key": "x"}))),
            admin.post("/api/2.0/secrets/put", json={"scope": "quiet", "key": "bad/key", "string_value": SECRET_VALUE}),
            admin.post("/api/2.0/secrets/put", json={"scope": "quiet", "key": "k", "string_value": SECRET_VALUE,
                                                     "bytes_value": "!"}),
        ]
    assert [r.status_code for r in responses] == [200, 200, 400, 400, 400, 400]
    for response in responses:
        assert SECRET_VALUE not in response.text
    assert SECRET_VALUE not in server.output()
    assert server.admin_token not in server.output()
