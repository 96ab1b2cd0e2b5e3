"""Usage is kept in the server's database: it survives a restart of the real server, and usage rows and
rate-limit counts belong to the endpoint's id, so an endpoint deleted and created again under the same name
starts with none."""

from __future__ import annotations

import httpx
import pytest

from tests.support.payloads import create_body, entity
from tests.support.server import start_server

TRACKED = {"usage_tracking_config": {"enabled": True}}
LIMITED = {**TRACKED, "rate_limits": [{"key": "endpoint", "calls": 2, "renewal_period": "minute"}]}


@pytest.fixture
def server(fake_upstream, tmp_path):
    live = start_server(tmp_path / "data", update_delay=0, extra_args=["--upstream", f"openai={fake_upstream.url}"])
    try:
        yield live
    finally:
        live.stop()


def _create(admin: httpx.Client, name: str, ai_gateway: dict) -> None:
    ent = entity("e", "openai", "gpt-4", "llm/v1/chat", openai_api_key_plaintext="sk-u")
    response = admin.post("/api/2.0/serving-endpoints", json=create_body(name, ent, ai_gateway=ai_gateway))
    assert response.status_code == 200, response.text


def _ask(client: httpx.Client, name: str) -> int:
    return client.post(
        f"/serving-endpoints/{name}/invocations", json={"messages": [{"role": "user", "content": "one two three"}]}
    ).status_code


def _usage(admin: httpx.Client, name: str) -> dict:
    return {row["principal"]: row for row in admin.get(f"/api/2.0/serving-endpoints/{name}/usage").json()["usage"]}


def test_usage_survives_a_restart(server):
    alice = server.mint_token("alice")
    with server.client() as admin:
        _create(admin, "kept", TRACKED)
        admin.patch(
            "/api/2.0/permissions/serving-endpoints/" + admin.get("/api/2.0/serving-endpoints/kept").json()["id"],
            json={"access_control_list": [{"user_name": "alice", "permission_level": "CAN_QUERY"}]},
        )
        assert [_ask(admin, "kept") for _ in range(3)] == [200] * 3
    with server.client(alice) as client:
        assert _ask(client, "kept") == 200
    with server.client() as admin:
        before = _usage(admin, "kept")
    assert before["alice"]["requests"] == 1 and len(before) == 2
    server.restart()
    with server.client() as admin:
        after = _usage(admin, "kept")
        assert after == before
        assert _ask(admin, "kept") == 200
        assert _usage(admin, "kept")[next(p for p in after if p != "alice")]["requests"] == 4


def test_a_recreated_endpoint_starts_with_no_usage_and_no_counts_even_after_a_restart(server):
    with server.client() as admin:
        _create(admin, "reborn", LIMITED)
        assert [_ask(admin, "reborn") for _ in range(3)] == [200, 200, 429]
        assert admin.delete("/api/2.0/serving-endpoints/reborn").status_code == 200
        _create(admin, "reborn", LIMITED)
        assert _usage(admin, "reborn") == {}
        assert [_ask(admin, "reborn") for _ in range(2)] == [200, 200]  # a fresh window of counts
    server.restart()
    with server.client() as admin:
        assert [row["requests"] for row in _usage(admin, "reborn").values()] == [2]
        assert admin.delete("/api/2.0/serving-endpoints/reborn").status_code == 200
        _create(admin, "reborn", TRACKED)
        assert _usage(admin, "reborn") == {}
