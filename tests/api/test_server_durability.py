"""Reliability and secrecy: kill -9 durability, encryption at rest, no secrets or tokens in the output."""

from __future__ import annotations

from pulumi_serving.server.faults import FAULTS_PATH
from tests.support.payloads import create_body, openai_entity

SECRET_VALUE = "sk-durable-canary-7f3a9c"
PLAINTEXT_KEY = "sk-plaintext-canary-19be44"


def _files(server):
    return [p for p in server.data_dir.iterdir() if p.name.startswith("serving.sqlite3")]


def test_acknowledged_writes_survive_kill9_and_are_encrypted_at_rest(server_factory):
    server = server_factory(update_delay=0)
    user_token = server.mint_token("erin", groups=["ml"])
    with server.client() as admin:
        admin.post("/api/2.0/secrets/scopes/create", json={"scope": "durable"})
        assert (
            admin.post(
                "/api/2.0/secrets/put", json={"scope": "durable", "key": "openai_api_key", "string_value": SECRET_VALUE}
            ).json()
            == {}
        )
        admin.post("/api/2.0/secrets/acls/put", json={"scope": "durable", "principal": "ml", "permission": "READ"})
        ref = {"openai_api_key": "{{secrets/durable/openai_api_key}}"}
        assert (
            admin.post("/api/2.0/serving-endpoints", json=create_body("durable-ep", openai_entity(key=ref))).status_code
            == 200
        )
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
        assert [
            s["key"] for s in admin.get("/api/2.0/secrets/list", params={"scope": "durable"}).json()["secrets"]
        ] == ["openai_api_key"]
        assert (
            admin.get("/api/2.0/secrets/get", params={"scope": "durable", "key": "openai_api_key"}).status_code == 200
        )
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
            admin.post(
                "/api/2.0/serving-endpoints",
                json=create_body("leak-ep", openai_entity(key={"openai_api_key": SECRET_VALUE})),
            ),
            admin.post(
                "/api/2.0/serving-endpoints",
                json=create_body(
                    "leak-ep2", openai_entity(key={"openai_api_key_plaintext": SECRET_VALUE, "openai_api_key": "x"})
                ),
            ),
            admin.post("/api/2.0/secrets/put", json={"scope": "quiet", "key": "bad/key", "string_value": SECRET_VALUE}),
            admin.post(
                "/api/2.0/secrets/put",
                json={"scope": "quiet", "key": "k", "string_value": SECRET_VALUE, "bytes_value": "!"},
            ),
        ]
    assert [r.status_code for r in responses] == [200, 200, 400, 400, 400, 400]
    for response in responses:
        assert SECRET_VALUE not in response.text
    assert SECRET_VALUE not in server.output()
    assert server.admin_token not in server.output()


def test_writes_whose_answer_was_lost_are_committed_and_survive_kill9(server_factory):
    """The crash-repair paths rely on this: a create answered with an error after commit (``after_commit``
    faults) is on disk, concurrent creates of one name give exactly one object, and both survive SIGKILL."""
    from concurrent.futures import ThreadPoolExecutor

    server = server_factory(update_delay=0)
    with server.client() as admin:
        for path in ("/api/2.0/secrets/scopes/create", "/api/2.0/serving-endpoints"):
            admin.post(
                FAULTS_PATH, json={"status": 503, "method": "POST", "path_prefix": path, "after_commit": True}
            ).raise_for_status()
        lost = [
            admin.post("/api/2.0/secrets/scopes/create", json={"scope": "lost"}),
            admin.post(
                "/api/2.0/serving-endpoints",
                json=create_body(
                    "lost-ep",
                    openai_entity(key={"openai_api_key_plaintext": PLAINTEXT_KEY}),
                    tags=[{"key": "pulumi-serving-owner", "value": "p/s/ServingEndpoint/x"}],
                ),
            ),
        ]
        assert [r.status_code for r in lost] == [503, 503]
        assert PLAINTEXT_KEY not in lost[1].text
    with ThreadPoolExecutor(8) as pool, server.client() as admin:
        raced = list(
            pool.map(lambda _: admin.post("/api/2.0/secrets/scopes/create", json={"scope": "raced"}), range(8))
        )
    assert sorted(r.status_code for r in raced) == [200] + [400] * 7
    assert {r.json()["error_code"] for r in raced if r.status_code == 400} == {"RESOURCE_ALREADY_EXISTS"}
    server.kill9()
    server.restart()
    with server.client() as admin:
        scopes = [s["name"] for s in admin.get("/api/2.0/secrets/scopes/list").json()["scopes"]]
        assert sorted(scopes) == ["lost", "raced"]
        assert admin.get("/api/2.0/serving-endpoints/lost-ep").json()["tags"] == [
            {"key": "pulumi-serving-owner", "value": "p/s/ServingEndpoint/x"}
        ]  # the marker is durable with it
