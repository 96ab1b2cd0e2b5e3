"""A secret reaches only endpoints whose owner may still read it: the two exfiltration attacks, replayed over
real HTTP with a second fake upstream playing the attacker's capture server."""

from __future__ import annotations

import subprocess

import httpx
import pytest

from pulumi_serving.fake_upstream.process import running_fake_upstream
from tests.support.gateway import sha
from tests.support.inprocess import start_inprocess_server
from tests.support.payloads import create_body, error, openai_entity
from tests.support.server import _cli

S = "/api/2.0/secrets"
E = "/api/2.0/serving-endpoints"
PROMPT = {"prompt": "hello", "max_tokens": 8}


@pytest.fixture(scope="module")
def upstreams():
    with running_fake_upstream() as legit, running_fake_upstream() as capture:
        yield legit, capture


@pytest.fixture(scope="module")
def server(upstreams, tmp_path_factory):
    legit, _ = upstreams
    live = start_inprocess_server(
        tmp_path_factory.mktemp("authz") / "data", update_delay=0, upstreams=(f"openai={legit.url}",)
    )
    try:
        yield live
    finally:
        live.stop()


def captured(upstream) -> set[str | None]:
    """Credential digests the upstream has received."""
    with httpx.Client(base_url=upstream.url, timeout=10) as client:
        return {r["key_sha256"] for r in client.get("/_control/requests").json()["requests"]}


def endpoint(name: str, ref: str, base: str | None = None) -> dict:
    config = {"openai_api_key": ref, **({"openai_api_base": f"{base}/v1"} if base else {})}
    return create_body(name, openai_entity("gpt", config))


def invoke(client: httpx.Client, name: str) -> httpx.Response:
    return client.post(f"/serving-endpoints/{name}/invocations", json=PROMPT)


def ok(response: httpx.Response) -> httpx.Response:
    assert response.status_code == 200, response.text
    return response


def test_a_reader_who_loses_read_cannot_receive_the_rotated_key(server, upstreams):
    legit, capture = upstreams
    old_key, new_key = "sk-team-a-old-41c2", "sk-team-a-new-9d07"
    ref = "{{secrets/team_a/openai_key}}"
    with server.client(server.mint_token("alice")) as alice, server.client(server.mint_token("bob")) as bob:
        ok(alice.post(f"{S}/scopes/create", json={"scope": "team_a"}))
        ok(alice.post(f"{S}/put", json={"scope": "team_a", "key": "openai_key", "string_value": old_key}))
        ok(alice.post(f"{S}/acls/put", json={"scope": "team_a", "principal": "bob", "permission": "READ"}))
        ok(alice.post(E, json=endpoint("team-a-ep", ref)))
        ok(bob.post(E, json=endpoint("bob-ep", ref, base=capture.url)))
        ok(invoke(bob, "bob-ep"))  # bob may read the key today, so his endpoint may use it

        ok(alice.post(f"{S}/acls/delete", json={"scope": "team_a", "principal": "bob"}))
        ok(alice.post(f"{S}/put", json={"scope": "team_a", "key": "openai_key", "string_value": new_key}))
        refused = invoke(bob, "bob-ep")
        status, code, message = error(refused)
        assert (status, code) == (403, "PERMISSION_DENIED")
        assert "bob-ep" in message and ref in message and "READ" in message
        assert new_key not in refused.text and old_key not in refused.text
        assert sha(new_key) not in captured(capture)

        ok(invoke(alice, "team-a-ep"))  # the legitimate endpoint keeps answering, with the new key
        assert sha(new_key) in captured(legit)

        ok(alice.post(f"{S}/acls/put", json={"scope": "team_a", "principal": "bob", "permission": "READ"}))
        ok(invoke(bob, "bob-ep"))  # READ given back: the endpoint may use the key again


def test_a_scope_recreated_under_the_same_name_is_not_used(server, upstreams):
    legit, capture = upstreams
    carol_key = "sk-carol-only-5e11"
    ref = "{{secrets/shared_name/openai_key}}"
    with server.client(server.mint_token("bob")) as bob, server.client(server.mint_token("carol")) as carol:
        ok(bob.post(f"{S}/scopes/create", json={"scope": "shared_name"}))
        ok(bob.post(f"{S}/put", json={"scope": "shared_name", "key": "openai_key", "string_value": "sk-bob-own"}))
        ok(bob.post(E, json=endpoint("bob-ep2", ref, base=capture.url)))
        ok(invoke(bob, "bob-ep2"))
        ok(bob.post(f"{S}/scopes/delete", json={"scope": "shared_name"}))

        # carol's new scope even lets every user MANAGE it, so an ACL check alone would pass for bob
        ok(carol.post(f"{S}/scopes/create", json={"scope": "shared_name", "initial_manage_principal": "users"}))
        ok(carol.post(f"{S}/put", json={"scope": "shared_name", "key": "openai_key", "string_value": carol_key}))
        ok(carol.post(E, json=endpoint("carol-ep", ref)))

        refused = invoke(bob, "bob-ep2")
        status, code, message = error(refused)
        assert (status, code) == (403, "PERMISSION_DENIED")
        assert "bob-ep2" in message and ref in message and "created again" in message
        assert carol_key not in refused.text
        assert sha(carol_key) not in captured(capture)

        ok(invoke(carol, "carol-ep"))
        assert sha(carol_key) in captured(legit)

        # someone with READ on the new scope (here bob, through 'users') updates the config: it is bound again
        config = endpoint("bob-ep2", ref, base=capture.url)["config"]
        ok(bob.put(f"{E}/bob-ep2/config", json=config))
        ok(invoke(bob, "bob-ep2"))


def test_a_reference_the_creator_cannot_read_is_refused_at_create(server):
    with server.client(server.mint_token("dave")) as dave, server.client() as admin:
        ok(admin.post(f"{S}/scopes/create", json={"scope": "admins_only"}))
        ok(admin.post(f"{S}/put", json={"scope": "admins_only", "key": "k", "string_value": "sk-admin"}))
        status, code, message = error(dave.post(E, json=endpoint("dave-ep", "{{secrets/admins_only/k}}")))
        assert (status, code) == (400, "INVALID_PARAMETER_VALUE") and "not readable by dave" in message


def test_read_held_through_a_revoked_tokens_group_is_lost(server, upstreams):
    ref = "{{secrets/team_c/openai_key}}"
    with server.client() as admin:
        ok(admin.post(f"{S}/scopes/create", json={"scope": "team_c"}))
        ok(admin.post(f"{S}/put", json={"scope": "team_c", "key": "openai_key", "string_value": "sk-team-c"}))
        ok(admin.post(f"{S}/acls/put", json={"scope": "team_c", "principal": "team-c", "permission": "READ"}))
    with server.client(server.mint_token("erin", groups=["team-c"])) as erin:
        endpoint_id = ok(erin.post(E, json=endpoint("erin-ep", ref))).json()["id"]
        ok(
            erin.patch(
                f"/api/2.0/permissions/serving-endpoints/{endpoint_id}",
                json={"access_control_list": [{"group_name": "users", "permission_level": "CAN_QUERY"}]},
            )
        )
    with server.client(server.mint_token("frank")) as frank:
        ok(invoke(frank, "erin-ep"))  # erin reads team_c through her token's group
        done = subprocess.run(
            [*_cli(), "tokens", "revoke", "--user", "erin", "--data-dir", str(server.data_dir)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 0, done.stderr
        status, code, message = error(invoke(frank, "erin-ep"))
        assert (status, code) == (403, "PERMISSION_DENIED") and "owner erin no longer has READ" in message
