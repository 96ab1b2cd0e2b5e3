"""The gateway over real HTTP counts usage per principal when tracking is on, and a recreated endpoint starts
with none."""

from __future__ import annotations

import httpx

from tests.support.gateway import OPENAI_REF, create, query
from tests.support.inprocess import InProcessServer
from tests.support.payloads import entity


def test_usage_tracking_api(inprocess_gateway_admin: httpx.Client, inprocess_gateway: InProcessServer) -> None:
    create(
        inprocess_gateway_admin,
        "usage-ep",
        entity("e", "openai", "gpt-4", "llm/v1/chat", **OPENAI_REF),
        ai_gateway={"usage_tracking_config": {"enabled": True}},
    )
    token = inprocess_gateway.mint_token("dave@example.com", groups=("admins",))
    body = {"messages": [{"role": "user", "content": "one two three"}], "max_tokens": 5}
    with inprocess_gateway.client(token) as dave:
        assert query(dave, "usage-ep", body).status_code == 200
        assert query(dave, "usage-ep", body).status_code == 200
    assert query(inprocess_gateway_admin, "usage-ep", body).status_code == 200
    usage = inprocess_gateway_admin.get("/api/2.0/serving-endpoints/usage-ep/usage").json()
    assert usage["usage_tracking_enabled"] is True
    rows = {row["principal"]: row for row in usage["usage"]}
    assert rows["dave@example.com"]["requests"] == 2
    assert rows["dave@example.com"]["completion_tokens"] == 10
    assert rows["dave@example.com"]["total_tokens"] == 16
    assert rows["admin"]["requests"] == 1


def test_a_recreated_endpoint_starts_with_no_usage(inprocess_gateway_admin: httpx.Client) -> None:
    tracked = {"usage_tracking_config": {"enabled": True}}
    ent = entity("e", "openai", "gpt-4", "llm/v1/completions", **OPENAI_REF)

    def requests() -> list[int]:
        return [
            row["requests"]
            for row in inprocess_gateway_admin.get("/api/2.0/serving-endpoints/reborn-ep/usage").json()["usage"]
        ]

    create(inprocess_gateway_admin, "reborn-ep", ent, ai_gateway=tracked)
    assert query(inprocess_gateway_admin, "reborn-ep", {"prompt": "one two"}).status_code == 200
    assert requests() == [1]
    assert inprocess_gateway_admin.delete("/api/2.0/serving-endpoints/reborn-ep").status_code == 200
    create(inprocess_gateway_admin, "reborn-ep", ent, ai_gateway=tracked)
    assert requests() == []
    assert query(inprocess_gateway_admin, "reborn-ep", {"prompt": "one two"}).status_code == 200
    assert requests() == [1]
