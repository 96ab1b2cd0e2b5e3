"""The gateway over real HTTP routes each query: traffic split, fallback when enabled, the served-model path and
the OpenAI-style aliases, and upstream failures answered as Databricks errors."""

from __future__ import annotations

import httpx

from tests.support.gateway import ANTHROPIC_REF, CHAT, OPENAI_REF, PLAIN_KEY, create, query
from tests.support.payloads import entity


def test_traffic_split(inprocess_gateway_admin: httpx.Client) -> None:
    create(
        inprocess_gateway_admin,
        "split-ep",
        entity("a", "openai", "gpt-a", "llm/v1/chat", **OPENAI_REF),
        entity("b", "anthropic", "claude-b", "llm/v1/chat", **ANTHROPIC_REF),
        routes=[("a", 75), ("b", 25)],
    )
    served = [query(inprocess_gateway_admin, "split-ep", CHAT).headers["served-model-name"] for _ in range(8)]
    assert served.count("a") == 6 and served.count("b") == 2


def test_fallback_only_when_enabled(inprocess_gateway_admin: httpx.Client) -> None:
    broken = entity("broken", "openai", "fail-503", "llm/v1/chat", **OPENAI_REF)
    spare = entity("spare", "anthropic", "claude-2", "llm/v1/chat", **ANTHROPIC_REF)
    routes = [("broken", 100), ("spare", 0)]
    create(
        inprocess_gateway_admin,
        "fallback-on",
        broken,
        spare,
        routes=routes,
        ai_gateway={"fallback_config": {"enabled": True}},
    )
    create(inprocess_gateway_admin, "fallback-off", broken, spare, routes=routes)
    r = query(inprocess_gateway_admin, "fallback-on", CHAT)
    assert r.status_code == 200 and r.headers["served-model-name"] == "spare"
    r = query(inprocess_gateway_admin, "fallback-off", CHAT)
    assert r.status_code == 502 and r.json()["error_code"] == "INTERNAL_ERROR"
    assert "broken" in r.json()["message"]


def test_served_model_path_and_openai_aliases(inprocess_gateway_admin: httpx.Client) -> None:
    create(
        inprocess_gateway_admin,
        "alias-chat",
        entity("e", "openai", "gpt-4", "llm/v1/chat", openai_api_key_plaintext=PLAIN_KEY),
    )
    create(
        inprocess_gateway_admin,
        "alias-embed",
        entity("e", "openai", "text-embedding-ada-002", "llm/v1/embeddings", **OPENAI_REF),
    )
    r = inprocess_gateway_admin.post("/serving-endpoints/split-ep/served-models/b/invocations", json=CHAT)
    assert r.status_code == 200 and r.headers["served-model-name"] == "b"
    r = inprocess_gateway_admin.post("/serving-endpoints/chat/completions", json={"model": "alias-chat", **CHAT})
    assert r.status_code == 200 and r.json()["object"] == "chat.completion"
    r = inprocess_gateway_admin.post("/serving-endpoints/embeddings", json={"model": "alias-embed", "input": "x"})
    assert r.status_code == 200 and r.json()["object"] == "list"
    r = inprocess_gateway_admin.post("/serving-endpoints/completions", json={"prompt": "x"})
    assert r.status_code == 400 and r.json()["message"].startswith("model: ")


def test_upstream_errors_are_databricks_errors(
    inprocess_gateway_admin: httpx.Client, fake_upstream_client: httpx.Client
) -> None:
    create(inprocess_gateway_admin, "err-401", entity("e", "openai", "fail-401", "llm/v1/completions", **OPENAI_REF))
    r = query(inprocess_gateway_admin, "err-401", {"prompt": "hi"})
    assert r.status_code == 400 and r.json()["error_code"] == "BAD_REQUEST"
    create(inprocess_gateway_admin, "err-429", entity("e", "openai", "fail-429", "llm/v1/completions", **OPENAI_REF))
    r = query(inprocess_gateway_admin, "err-429", {"prompt": "hi"})
    assert r.status_code == 429 and r.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED" and r.headers["Retry-After"]
    create(inprocess_gateway_admin, "err-slow", entity("e", "openai", "gpt-4", "llm/v1/chat", **OPENAI_REF))
    fake_upstream_client.post("/_control", json={"latency_ms": 1500})
    try:
        r = query(inprocess_gateway_admin, "err-slow", CHAT)
    finally:
        fake_upstream_client.post("/_control", json={"latency_ms": 0})
    assert r.status_code == 504 and r.json()["error_code"] == "DEADLINE_EXCEEDED"
