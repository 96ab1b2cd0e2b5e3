"""The gateway over real HTTP enforces its limits: per-user call limits exactly under concurrency, a zero limit,
token limits, input guardrails and the legacy rate-limits API."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.support.gateway import OPENAI_REF, create, query, wait_for_fresh_window
from tests.support.inprocess import InProcessServer
from tests.support.payloads import entity


def test_rate_limit_exactly_n_under_concurrency(
    inprocess_gateway_admin: httpx.Client, inprocess_gateway: InProcessServer
) -> None:
    create(
        inprocess_gateway_admin,
        "limited-ep",
        entity("e", "openai", "gpt-3.5-turbo-instruct", "llm/v1/completions", **OPENAI_REF),
    )
    put = inprocess_gateway_admin.put(
        "/api/2.0/serving-endpoints/limited-ep/ai-gateway",
        json={"rate_limits": [{"calls": 20, "key": "user", "renewal_period": "minute"}]},
    )
    assert put.status_code == 200, put.text
    token = inprocess_gateway.mint_token("carol@example.com", groups=("admins",))
    wait_for_fresh_window()
    with inprocess_gateway.client(token) as carol, ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(lambda _: query(carol, "limited-ep", {"prompt": "hi"}), range(26)))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * 20 + [429] * 6
        refused = next(r for r in responses if r.status_code == 429)
        assert refused.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # the limit is per user: the admin still passes
    assert query(inprocess_gateway_admin, "limited-ep", {"prompt": "hi"}).status_code == 200


def test_zero_calls_blocks_everyone(inprocess_gateway_admin: httpx.Client) -> None:
    create(
        inprocess_gateway_admin,
        "blocked-ep",
        entity("e", "openai", "gpt-4", "llm/v1/completions", **OPENAI_REF),
        ai_gateway={"rate_limits": [{"calls": 0, "key": "endpoint", "renewal_period": "minute"}]},
    )
    r = query(inprocess_gateway_admin, "blocked-ep", {"prompt": "hi"})
    assert r.status_code == 429 and r.headers["Retry-After"].isdigit()


def test_token_limit_and_guardrail(inprocess_gateway_admin: httpx.Client) -> None:
    create(
        inprocess_gateway_admin,
        "tokens-ep",
        entity("e", "openai", "gpt-4", "llm/v1/completions", **OPENAI_REF),
        ai_gateway={
            "rate_limits": [{"tokens": 10, "key": "user", "renewal_period": "minute"}],
            "guardrails": {"input": {"invalid_keywords": ["forbidden-word"]}},
        },
    )
    wait_for_fresh_window(3)
    assert query(inprocess_gateway_admin, "tokens-ep", {"prompt": "one two"}).status_code == 200  # spends 2 + 12 tokens
    r = query(inprocess_gateway_admin, "tokens-ep", {"prompt": "one two"})
    assert r.status_code == 429 and r.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED"
    r = query(inprocess_gateway_admin, "tokens-ep", {"prompt": "a FORBIDDEN-WORD here"})
    assert r.status_code == 400 and "guardrails" in r.json()["message"] and "FORBIDDEN" not in r.json()["message"]


def test_legacy_rate_limits_are_enforced(inprocess_gateway_admin: httpx.Client) -> None:
    create(inprocess_gateway_admin, "legacy-ep", entity("e", "openai", "gpt-4", "llm/v1/completions", **OPENAI_REF))
    put = inprocess_gateway_admin.put(
        "/api/2.0/serving-endpoints/legacy-ep/rate-limits",
        json={"rate_limits": [{"calls": 0, "key": "endpoint", "renewal_period": "minute"}]},
    )
    assert put.status_code == 200
    assert query(inprocess_gateway_admin, "legacy-ep", {"prompt": "hi"}).status_code == 429
