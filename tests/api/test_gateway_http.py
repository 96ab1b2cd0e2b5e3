"""The gateway over real HTTP: the real ``serve`` subprocess in front of the fake upstream subprocess."""

from __future__ import annotations

import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from pulumi_serving.fake_upstream.process import running_fake_upstream
from tests.support.server import start_server

PROMPT = "PROMPT-MARKER-7f3a What is Databricks?"
OPENAI_KEY = "sk-test-openai-5b1e"
ROTATED_KEY = "sk-rotated-openai-c9d2"
PLAIN_KEY = "sk-plaintext-8e21"
ANTHROPIC_KEY = "sk-ant-test-44aa"
COHERE_KEY = "co-test-91bc"
ENTRA_SECRET = "entra-secret-77de"
SECRETS = (OPENAI_KEY, ROTATED_KEY, PLAIN_KEY, ANTHROPIC_KEY, COHERE_KEY, ENTRA_SECRET)


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@pytest.fixture(scope="module")
def fake():
    with running_fake_upstream() as upstream:
        yield upstream


@pytest.fixture(scope="module")
def server(fake, tmp_path_factory):
    upstreams = [arg for p in ("openai", "anthropic", "cohere", "entra") for arg in ("--upstream", f"{p}={fake.url}")]
    live = start_server(
        tmp_path_factory.mktemp("gateway") / "data", update_delay=0, extra_args=[*upstreams, "--upstream-timeout", "1"]
    )
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def admin(server):
    with server.client() as client:
        for scope, key, value in (
            ("my_openai_secret_scope", "openai_api_key", OPENAI_KEY),
            ("my_anthropic_secret_scope", "anthropic_api_key", ANTHROPIC_KEY),
            ("cohere_scope", "key", COHERE_KEY),
            ("entra_scope", "secret", ENTRA_SECRET),
        ):
            assert client.post("/api/2.0/secrets/scopes/create", json={"scope": scope}).status_code == 200
            put = client.post("/api/2.0/secrets/put", json={"scope": scope, "key": key, "string_value": value})
            assert put.status_code == 200
        yield client


@pytest.fixture(scope="module")
def fake_client(fake):
    with httpx.Client(base_url=fake.url, timeout=10) as client:
        yield client


def entity(name: str, provider: str, model: str, task: str, **config) -> dict:
    block = {
        "openai": "openai_config",
        "anthropic": "anthropic_config",
        "cohere": "cohere_config",
        "custom": "custom_provider_config",
    }[provider]
    return {"name": name, "external_model": {"name": model, "provider": provider, "task": task, block: config}}


def create(admin: httpx.Client, name: str, *entities: dict, routes=None, ai_gateway=None) -> dict:
    body: dict = {"name": name, "config": {"served_entities": list(entities)}}
    if routes:
        body["config"]["traffic_config"] = {
            "routes": [{"served_entity_name": n, "traffic_percentage": p} for n, p in routes]
        }
    if ai_gateway:
        body["ai_gateway"] = ai_gateway
    response = admin.post("/api/2.0/serving-endpoints", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def query(client: httpx.Client, endpoint: str, body: dict) -> httpx.Response:
    return client.post(f"/serving-endpoints/{endpoint}/invocations", json=body)


OPENAI_REF = {"openai_api_key": "{{secrets/my_openai_secret_scope/openai_api_key}}"}
ANTHROPIC_REF = {"anthropic_api_key": "{{secrets/my_anthropic_secret_scope/anthropic_api_key}}"}
COHERE_REF = {"cohere_api_key": "{{secrets/cohere_scope/key}}"}


def last_key_hash(fake_client: httpx.Client, provider: str) -> str:
    records = [r for r in fake_client.get("/_control/requests").json()["requests"] if r["provider"] == provider]
    return records[-1]["key_sha256"]


def test_openai_completions_user_story(admin, fake_client):
    create(
        admin,
        "openai-completions-endpoint",
        entity("openai-completions", "openai", "gpt-3.5-turbo-instruct", "llm/v1/completions", **OPENAI_REF),
    )
    r = query(admin, "openai-completions-endpoint", {"prompt": PROMPT, "temperature": 0.1, "max_tokens": 64, "n": 2})
    assert r.status_code == 200, r.text
    assert r.headers["served-model-name"] == "openai-completions"
    body = r.json()
    assert body["object"] == "text_completion" and body["model"] == "gpt-3.5-turbo-instruct"
    assert isinstance(body["created"], int) and body["id"]
    assert [c["index"] for c in body["choices"]] == [0, 1]
    assert set(body["choices"][0]) == {"text", "index", "finish_reason", "logprobs"}
    assert body["choices"][0]["text"].startswith("[openai/gpt-3.5-turbo-instruct]")
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    assert last_key_hash(fake_client, "openai") == sha(OPENAI_KEY)


@pytest.mark.parametrize(
    "name, ent, body, check",
    [
        (
            "oa-chat",
            entity("e", "openai", "gpt-4", "llm/v1/chat", openai_api_key_plaintext=PLAIN_KEY),
            {"messages": [{"role": "user", "content": PROMPT}]},
            "[openai/gpt-4]",
        ),
        (
            "oa-embed",
            entity("e", "openai", "text-embedding-ada-002", "llm/v1/embeddings", **OPENAI_REF),
            {"input": [PROMPT, "b"]},
            2,
        ),
        (
            "an-complete",
            entity("e", "anthropic", "claude-2", "llm/v1/completions", **ANTHROPIC_REF),
            {"prompt": PROMPT, "max_tokens": 32},
            "[anthropic/claude-2]",
        ),
        (
            "an-chat",
            entity("e", "anthropic", "claude-3", "llm/v1/chat", **ANTHROPIC_REF),
            {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": PROMPT}]},
            "[anthropic/claude-3]",
        ),
        (
            "co-gen",
            entity("e", "cohere", "command", "llm/v1/completions", **COHERE_REF),
            {"prompt": PROMPT, "n": 2},
            "[cohere/command]",
        ),
        (
            "co-chat",
            entity("e", "cohere", "command-r", "llm/v1/chat", **COHERE_REF),
            {"messages": [{"role": "user", "content": PROMPT}]},
            "[cohere/command-r]",
        ),
        (
            "co-embed",
            entity("e", "cohere", "embed-english-v3.0", "llm/v1/embeddings", **COHERE_REF),
            {"input": PROMPT},
            1,
        ),
    ],
)
def test_each_provider_kind(admin, fake, name, ent, body, check):
    create(admin, name, ent)
    r = query(admin, name, body)
    assert r.status_code == 200, r.text
    data = r.json()
    if isinstance(check, int):
        assert data["object"] == "list" and len(data["data"]) == check
        assert len(data["data"][0]["embedding"]) == 8
    else:
        choice = data["choices"][0]
        text = choice.get("text") or choice["message"]["content"]
        assert text.startswith(check)
        assert data["usage"]["prompt_tokens"] > 0


def test_azure_key_and_entra_id(admin, fake, fake_client):
    azure = {
        "openai_api_type": "azure",
        "openai_api_base": fake.url,
        "openai_deployment_name": "dep-a",
        "openai_api_version": "2024-02-01",
        **OPENAI_REF,
    }
    create(admin, "azure-ep", entity("az", "openai", "gpt-35-turbo", "llm/v1/chat", **azure))
    r = query(admin, "azure-ep", {"messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["message"]["content"].startswith("[azure/dep-a]")
    assert last_key_hash(fake_client, "azure") == sha(OPENAI_KEY)
    entra = {
        "openai_api_type": "azuread",
        "openai_api_base": fake.url,
        "openai_deployment_name": "dep-b",
        "openai_api_version": "2024-02-01",
        "microsoft_entra_tenant_id": "tenant-1",
        "microsoft_entra_client_id": "client-1",
        "microsoft_entra_client_secret": "{{secrets/entra_scope/secret}}",
    }
    create(admin, "azuread-ep", entity("aad", "openai", "gpt-35-turbo", "llm/v1/completions", **entra))
    r = query(admin, "azuread-ep", {"prompt": "hi"})
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["text"].startswith("[azure/dep-b]")
    assert last_key_hash(fake_client, "entra") == sha(ENTRA_SECRET)


def test_custom_provider(admin, fake):
    config = {
        "custom_provider_url": f"{fake.url}/v1",
        "bearer_token_auth": {"token": "{{secrets/my_openai_secret_scope/openai_api_key}}"},
    }
    create(admin, "custom-ep", entity("c", "custom", "llama-3", "llm/v1/chat", **config))
    r = query(admin, "custom-ep", {"messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["message"]["content"].startswith("[openai/llama-3]")


def _stream(client: httpx.Client, endpoint: str, body: dict) -> list:
    with client.stream("POST", f"/serving-endpoints/{endpoint}/invocations", json={**body, "stream": True}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    return [json.loads(line[6:]) for line in lines[:-1]]


@pytest.mark.parametrize(
    "endpoint, body, kind",
    [
        ("openai-completions-endpoint", {"prompt": "hi"}, "text_completion_chunk"),
        ("oa-chat", {"messages": [{"role": "user", "content": "hi"}]}, "chat.completion.chunk"),
        ("an-chat", {"messages": [{"role": "user", "content": "hi"}]}, "chat.completion.chunk"),
        ("co-gen", {"prompt": "hi"}, "text_completion_chunk"),
        ("co-chat", {"messages": [{"role": "user", "content": "hi"}]}, "chat.completion.chunk"),
    ],
)
def test_streaming(admin, endpoint, body, kind):
    chunks = _stream(admin, endpoint, body)
    assert {c["object"] for c in chunks} == {kind}
    if kind == "chat.completion.chunk":
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    else:
        text = "".join(c["choices"][0]["text"] or "" for c in chunks)
    assert text.startswith("[") and len(text.split()) > 3
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_traffic_split(admin):
    create(
        admin,
        "split-ep",
        entity("a", "openai", "gpt-a", "llm/v1/chat", **OPENAI_REF),
        entity("b", "anthropic", "claude-b", "llm/v1/chat", **ANTHROPIC_REF),
        routes=[("a", 75), ("b", 25)],
    )
    served = [
        query(admin, "split-ep", {"messages": [{"role": "user", "content": "hi"}]}).headers["served-model-name"]
        for _ in range(8)
    ]
    assert served.count("a") == 6 and served.count("b") == 2


def test_fallback_only_when_enabled(admin):
    broken = entity("broken", "openai", "fail-503", "llm/v1/chat", **OPENAI_REF)
    spare = entity("spare", "anthropic", "claude-2", "llm/v1/chat", **ANTHROPIC_REF)
    routes = [("broken", 100), ("spare", 0)]
    create(admin, "fallback-on", broken, spare, routes=routes, ai_gateway={"fallback_config": {"enabled": True}})
    create(admin, "fallback-off", broken, spare, routes=routes)
    body = {"messages": [{"role": "user", "content": "hi"}]}
    r = query(admin, "fallback-on", body)
    assert r.status_code == 200 and r.headers["served-model-name"] == "spare"
    r = query(admin, "fallback-off", body)
    assert r.status_code == 502 and r.json()["error_code"] == "INTERNAL_ERROR"
    assert "broken" in r.json()["message"]


def test_secret_rotation_takes_effect_without_restart(admin, fake_client, server):
    """Self-contained: its own scope, key and endpoint, so it neither needs nor disturbs another test's."""
    pid = server.pid
    put = {"scope": "rotation_scope", "key": "openai_api_key", "string_value": OPENAI_KEY}
    assert admin.post("/api/2.0/secrets/scopes/create", json={"scope": "rotation_scope"}).status_code == 200
    assert admin.post("/api/2.0/secrets/put", json=put).status_code == 200
    create(
        admin,
        "rotation-ep",
        entity(
            "rot",
            "openai",
            "gpt-3.5-turbo-instruct",
            "llm/v1/completions",
            openai_api_key="{{secrets/rotation_scope/openai_api_key}}",
        ),
    )
    body = {"prompt": "hi"}
    assert query(admin, "rotation-ep", body).status_code == 200
    assert last_key_hash(fake_client, "openai") == sha(OPENAI_KEY)
    assert admin.post("/api/2.0/secrets/put", json={**put, "string_value": ROTATED_KEY}).status_code == 200
    assert query(admin, "rotation-ep", body).status_code == 200
    assert last_key_hash(fake_client, "openai") == sha(ROTATED_KEY)
    assert server.pid == pid and server.is_running()


def test_can_query_is_required(admin, server):
    token = server.mint_token("alice@example.com")
    endpoint = admin.get("/api/2.0/serving-endpoints/oa-chat").json()
    with server.client(token) as alice:
        body = {"messages": [{"role": "user", "content": "hi"}]}
        r = query(alice, "oa-chat", body)
        assert r.status_code == 403 and r.json()["error_code"] == "PERMISSION_DENIED"
        grant = {"access_control_list": [{"user_name": "alice@example.com", "permission_level": "CAN_QUERY"}]}
        assert admin.patch(f"/api/2.0/permissions/serving-endpoints/{endpoint['id']}", json=grant).status_code == 200
        assert query(alice, "oa-chat", body).status_code == 200
        assert query(alice, "no-such-endpoint", body).status_code == 404
    with httpx.Client(base_url=server.url) as anonymous:
        assert query(anonymous, "oa-chat", body).status_code == 401


def _wait_for_fresh_window(margin_s: float = 6.0) -> None:
    left = 60 - time.time() % 60
    if left < margin_s:
        time.sleep(left + 0.05)


def test_rate_limit_exactly_n_under_concurrency(admin, server):
    create(admin, "limited-ep", entity("e", "openai", "gpt-3.5-turbo-instruct", "llm/v1/completions", **OPENAI_REF))
    put = admin.put(
        "/api/2.0/serving-endpoints/limited-ep/ai-gateway",
        json={"rate_limits": [{"calls": 20, "key": "user", "renewal_period": "minute"}]},
    )
    assert put.status_code == 200, put.text
    token = server.mint_token("carol@example.com", groups=("admins",))
    _wait_for_fresh_window()
    with server.client(token) as carol, ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(lambda _: query(carol, "limited-ep", {"prompt": "hi"}), range(26)))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * 20 + [429] * 6
        refused = next(r for r in responses if r.status_code == 429)
        assert refused.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # the limit is per user: the admin still passes
    assert query(admin, "limited-ep", {"prompt": "hi"}).status_code == 200


def test_zero_calls_blocks_everyone(admin):
    create(
        admin,
        "blocked-ep",
        entity("e", "openai", "gpt-4", "llm/v1/completions", **OPENAI_REF),
        ai_gateway={"rate_limits": [{"calls": 0, "key": "endpoint", "renewal_period": "minute"}]},
    )
    r = query(admin, "blocked-ep", {"prompt": "hi"})
    assert r.status_code == 429 and r.headers["Retry-After"].isdigit()


def test_token_limit_and_guardrail(admin):
    create(
        admin,
        "tokens-ep",
        entity("e", "openai", "gpt-4", "llm/v1/completions", **OPENAI_REF),
        ai_gateway={
            "rate_limits": [{"tokens": 10, "key": "user", "renewal_period": "minute"}],
            "guardrails": {"input": {"invalid_keywords": ["forbidden-word"]}},
        },
    )
    _wait_for_fresh_window(3)
    assert query(admin, "tokens-ep", {"prompt": "one two"}).status_code == 200  # spends 2 + 12 tokens
    r = query(admin, "tokens-ep", {"prompt": "one two"})
    assert r.status_code == 429 and r.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED"
    r = query(admin, "tokens-ep", {"prompt": "a FORBIDDEN-WORD here"})
    assert r.status_code == 400 and "guardrails" in r.json()["message"] and "FORBIDDEN" not in r.json()["message"]


def test_legacy_rate_limits_are_enforced(admin):
    create(admin, "legacy-ep", entity("e", "openai", "gpt-4", "llm/v1/completions", **OPENAI_REF))
    put = admin.put(
        "/api/2.0/serving-endpoints/legacy-ep/rate-limits",
        json={"rate_limits": [{"calls": 0, "key": "endpoint", "renewal_period": "minute"}]},
    )
    assert put.status_code == 200
    assert query(admin, "legacy-ep", {"prompt": "hi"}).status_code == 429


def test_usage_tracking_api(admin, server):
    create(
        admin,
        "usage-ep",
        entity("e", "openai", "gpt-4", "llm/v1/chat", **OPENAI_REF),
        ai_gateway={"usage_tracking_config": {"enabled": True}},
    )
    token = server.mint_token("dave@example.com", groups=("admins",))
    body = {"messages": [{"role": "user", "content": "one two three"}], "max_tokens": 5}
    with server.client(token) as dave:
        assert query(dave, "usage-ep", body).status_code == 200
        assert query(dave, "usage-ep", body).status_code == 200
    assert query(admin, "usage-ep", body).status_code == 200
    usage = admin.get("/api/2.0/serving-endpoints/usage-ep/usage").json()
    assert usage["usage_tracking_enabled"] is True
    rows = {row["principal"]: row for row in usage["usage"]}
    assert rows["dave@example.com"]["requests"] == 2
    assert rows["dave@example.com"]["completion_tokens"] == 10
    assert rows["dave@example.com"]["total_tokens"] == 16
    assert rows["admin"]["requests"] == 1


def test_a_recreated_endpoint_starts_with_no_usage(admin):
    tracked = {"usage_tracking_config": {"enabled": True}}
    ent = entity("e", "openai", "gpt-4", "llm/v1/completions", **OPENAI_REF)
    create(admin, "reborn-ep", ent, ai_gateway=tracked)
    assert query(admin, "reborn-ep", {"prompt": "one two"}).status_code == 200
    assert [row["requests"] for row in admin.get("/api/2.0/serving-endpoints/reborn-ep/usage").json()["usage"]] == [1]
    assert admin.delete("/api/2.0/serving-endpoints/reborn-ep").status_code == 200
    create(admin, "reborn-ep", ent, ai_gateway=tracked)
    assert admin.get("/api/2.0/serving-endpoints/reborn-ep/usage").json()["usage"] == []
    assert query(admin, "reborn-ep", {"prompt": "one two"}).status_code == 200
    assert [row["requests"] for row in admin.get("/api/2.0/serving-endpoints/reborn-ep/usage").json()["usage"]] == [1]


def test_upstream_errors_are_databricks_errors(admin, fake_client):
    create(admin, "err-401", entity("e", "openai", "fail-401", "llm/v1/completions", **OPENAI_REF))
    r = query(admin, "err-401", {"prompt": "hi"})
    assert r.status_code == 400 and r.json()["error_code"] == "BAD_REQUEST"
    create(admin, "err-429", entity("e", "openai", "fail-429", "llm/v1/completions", **OPENAI_REF))
    r = query(admin, "err-429", {"prompt": "hi"})
    assert r.status_code == 429 and r.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED" and r.headers["Retry-After"]
    fake_client.post("/_control", json={"latency_ms": 1500})
    try:
        r = query(admin, "oa-chat", {"messages": [{"role": "user", "content": "hi"}]})
    finally:
        fake_client.post("/_control", json={"latency_ms": 0})
    assert r.status_code == 504 and r.json()["error_code"] == "DEADLINE_EXCEEDED"


def test_bad_payloads_and_unready_endpoints(admin):
    r = query(admin, "oa-chat", {"prompt": "hi"})
    assert r.status_code == 400 and r.json()["message"].startswith("prompt: ")
    r = query(admin, "oa-chat", {"messages": [{"role": "user", "content": "x"}], "temperature": 9})
    assert r.status_code == 400 and "temperature" in r.json()["message"]
    r = admin.post("/serving-endpoints/oa-chat/invocations", content=b"{not json")
    assert r.status_code == 400
    r = query(admin, "an-chat", {"messages": [{"role": "user", "content": "x"}], "n": 2})
    assert r.status_code == 400 and r.json()["message"].startswith("n: ")
    assert admin.post("/api/2.0/serving-endpoints", json={"name": "empty-ep"}).status_code == 200
    r = query(admin, "empty-ep", {"prompt": "hi"})
    assert r.status_code == 503 and r.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"


def test_served_model_path_and_openai_aliases(admin):
    r = admin.post(
        "/serving-endpoints/split-ep/served-models/b/invocations",
        json={"messages": [{"role": "user", "content": "hi"}]},
    )
    assert r.status_code == 200 and r.headers["served-model-name"] == "b"
    r = admin.post(
        "/serving-endpoints/chat/completions",
        json={"model": "oa-chat", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert r.status_code == 200 and r.json()["object"] == "chat.completion"
    r = admin.post("/serving-endpoints/embeddings", json={"model": "oa-embed", "input": "x"})
    assert r.status_code == 200 and r.json()["object"] == "list"
    r = admin.post("/serving-endpoints/completions", json={"prompt": "x"})
    assert r.status_code == 400 and r.json()["message"].startswith("model: ")


def test_server_log_holds_no_key_and_no_prompt(server, admin):
    assert query(admin, "openai-completions-endpoint", {"prompt": PROMPT}).status_code == 200
    assert query(admin, "no-such-endpoint-for-log", {"prompt": PROMPT}).status_code == 404
    assert admin.get("/api/2.0/serving-endpoints/openai-completions-endpoint").status_code == 200
    log = server.output()
    # the log is really captured: failed calls and control-plane requests are in the access log...
    assert '"POST /serving-endpoints/no-such-endpoint-for-log/invocations HTTP/1.1" 404' in log
    assert '"GET /api/2.0/serving-endpoints/openai-completions-endpoint HTTP/1.1" 200' in log
    # ...successful data-plane calls are not (their log line cost a tenth of the gateway's CPU per call)
    assert "POST /serving-endpoints/openai-completions-endpoint/invocations" not in log
    for secret in SECRETS:
        assert secret not in log
    assert "PROMPT-MARKER" not in log
