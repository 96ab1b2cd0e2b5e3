"""Every external-model provider answers through the gateway: the real server (in process) with each upstream
redirected to the fake upstream, which speaks each provider's wire format (SigV4-signed Bedrock calls, a Vertex
AI token obtained with a generated service-account key, AI21 Labs, PaLM, another workspace's model serving)."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.support.gateway import sha
from tests.support.inprocess import start_inprocess_server
from tests.support.provider_endpoints import (
    AI21_KEY,
    AWS_KEY_ID,
    AWS_SECRET,
    DATABRICKS_TOKEN,
    PALM_KEY,
    create_all,
    service_account_key,
    upstreams,
)

PROMPT = "PROVIDER-PROMPT-31c7 what is serving?"


@pytest.fixture(scope="module")
def vertex_key():
    return service_account_key()


@pytest.fixture(scope="module")
def server(fake_upstream, vertex_key, tmp_path_factory):
    live = start_inprocess_server(
        tmp_path_factory.mktemp("providers") / "data",
        update_delay=0,
        upstreams=upstreams(fake_upstream.url),
        upstream_timeout_s=5,
    )
    try:
        with live.client() as admin:
            create_all(admin, vertex_key)
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def admin(server):
    with server.client() as client:
        yield client


def _chat(admin: httpx.Client, name: str, **extra) -> httpx.Response:
    return admin.post(
        f"/serving-endpoints/{name}/invocations",
        json={
            "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": PROMPT}],
            "max_tokens": 40,
            **extra,
        },
    )


@pytest.mark.parametrize(
    "name, prefix",
    [
        ("bedrock-chat", "[amazon-bedrock/anthropic.claude-3-haiku-20240307-v1:0]"),
        ("titan-chat", "[amazon-bedrock/amazon.titan-text-express-v1]"),
        ("vertex-chat", "[vertex/gemini-1.5-flash]"),
        ("palm-chat", "[palm/chat-bison-001]"),
        ("databricks-chat", "[databricks-model-serving/other-chat]"),
    ],
)
def test_a_chat_endpoint_of_each_provider_answers_a_standard_chat_response(admin, name, prefix):
    response = _chat(admin, name)
    assert response.status_code == 200, response.text
    body = response.json()
    assert response.headers["served-model-name"] == name
    assert body["object"] == "chat.completion"
    message = body["choices"][0]["message"]
    assert message["role"] == "assistant" and message["content"].startswith(prefix)
    assert body["choices"][0]["finish_reason"] in ("stop", "length")
    assert body["usage"]["prompt_tokens"] > 0 and body["usage"]["total_tokens"] > body["usage"]["prompt_tokens"]


def test_ai21labs_answers_completions(admin):
    response = admin.post(
        "/serving-endpoints/ai21-completions/invocations", json={"prompt": PROMPT, "max_tokens": 5, "n": 2}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "text_completion" and len(body["choices"]) == 2
    assert (
        body["choices"][0]["text"].startswith("[ai21labs/j2-mid]") and body["choices"][0]["finish_reason"] == "length"
    )
    assert body["usage"]["completion_tokens"] == 10


def _stream(admin: httpx.Client, name: str) -> list:
    with admin.stream(
        "POST",
        f"/serving-endpoints/{name}/invocations",
        json={"messages": [{"role": "user", "content": PROMPT}], "stream": True},
    ) as response:
        assert response.status_code == 200
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]", lines[-3:]
    return [json.loads(line[6:]) for line in lines[:-1]]


@pytest.mark.parametrize(
    "name, prefix",
    [
        ("bedrock-chat", "[amazon-bedrock/anthropic.claude-3-haiku"),
        ("titan-chat", "[amazon-bedrock/amazon.titan-text-express-v1]"),
        ("vertex-chat", "[vertex/gemini-1.5-flash]"),
        ("databricks-chat", "[databricks-model-serving/other-chat]"),
    ],
)
def test_streams_of_the_streaming_providers_are_standard_chunks(admin, name, prefix):
    chunks = _stream(admin, name)
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text.startswith(prefix)
    assert chunks[-1]["choices"][0]["finish_reason"] in ("stop", "length")


def test_providers_that_do_not_stream_refuse_a_stream_with_a_clear_400(admin):
    response = _chat(admin, "palm-chat", stream=True, max_tokens=None)
    assert response.status_code == 400 and "stream" in response.json()["message"]


def test_credentials_reach_the_upstream_and_never_the_log(server, admin, fake_upstream, vertex_key):
    for name in ("bedrock-chat", "titan-chat", "vertex-chat", "palm-chat", "databricks-chat"):
        assert _chat(admin, name).status_code == 200
    assert admin.post("/serving-endpoints/ai21-completions/invocations", json={"prompt": "x"}).status_code == 200
    seen = {
        (r["provider"], r["key_sha256"]) for r in httpx.get(f"{fake_upstream.url}/_control/requests").json()["requests"]
    }
    assert ("amazon-bedrock", sha(AWS_KEY_ID)) in seen  # the SigV4 credential scope names the key id
    assert ("ai21labs", sha(AI21_KEY)) in seen and ("palm", sha(PALM_KEY)) in seen
    assert ("databricks-model-serving", sha(DATABRICKS_TOKEN)) in seen
    assert any(p == "google-oauth" for p, _ in seen) and any(p == "google-cloud-vertex-ai" for p, _ in seen)
    log = server.output()
    private_key = json.loads(vertex_key)["private_key"]
    for secret in (AWS_SECRET, AI21_KEY, PALM_KEY, DATABRICKS_TOKEN, private_key.splitlines()[1], "fake-google-"):
        assert secret not in log


def test_an_upstream_refusal_names_the_entity_without_the_credential(admin, fake_upstream):
    httpx.post(f"{fake_upstream.url}/_control", json={"fail_rate": 1, "fail_status": 403}).raise_for_status()
    try:
        response = _chat(admin, "palm-chat")
    finally:
        httpx.post(f"{fake_upstream.url}/_control", json={"fail_rate": 0}).raise_for_status()
    assert response.status_code == 400 and "palm-chat" in response.text
    assert PALM_KEY not in response.text


@pytest.mark.parametrize(
    "name, task, body",
    [
        ("vertex-embed", "google-cloud-vertex-ai", {"input": ["a b", "c"]}),
        ("palm-embed", "palm", {"input": ["a b", "c"]}),
        ("titan-embed", "amazon-bedrock", {"input": "a b"}),
        ("databricks-embed", "databricks-model-serving", {"input": ["a b", "c"]}),
    ],
)
def test_embeddings(admin, name, task, body):
    from tests.support.provider_endpoints import endpoints

    template = next(e for e in endpoints() if e.provider == task and e.name != "bedrock-chat")
    model = {
        "amazon-bedrock": "amazon.titan-embed-text-v1",
        "google-cloud-vertex-ai": "text-embedding-004",
        "palm": "embedding-gecko-001",
        "databricks-model-serving": "other-embed",
    }[task]
    create = admin.post(
        "/api/2.0/serving-endpoints",
        json={
            "name": name,
            "config": {
                "served_entities": [
                    {
                        "name": name,
                        "external_model": {
                            "name": model,
                            "provider": task,
                            "task": "llm/v1/embeddings",
                            template.config_block: template.config,
                        },
                    }
                ]
            },
        },
    )
    assert create.status_code == 200, create.text
    response = admin.post(f"/serving-endpoints/{name}/invocations", json=body)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert len(data) == (1 if isinstance(body["input"], str) else len(body["input"]))
    assert all(len(d["embedding"]) == 8 for d in data)
