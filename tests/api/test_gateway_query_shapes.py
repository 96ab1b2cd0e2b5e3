"""The gateway over real HTTP answers each provider kind in the Databricks shape: completions, chat, embeddings,
Azure and Entra ID, a custom provider, streams, and clear 4xx/503 for bad payloads and unready endpoints."""

from __future__ import annotations

import httpx
import pytest

from pulumi_serving.fake_upstream.process import FakeUpstream
from tests.support.gateway import (
    ANTHROPIC_REF,
    CHAT,
    COHERE_REF,
    ENTRA_SECRET,
    OPENAI_KEY,
    OPENAI_REF,
    PLAIN_KEY,
    PROMPT,
    create,
    last_key_hash,
    query,
    sha,
    stream,
)
from tests.support.payloads import entity


def test_openai_completions_user_story(
    inprocess_gateway_admin: httpx.Client, fake_upstream_client: httpx.Client
) -> None:
    create(
        inprocess_gateway_admin,
        "openai-completions-endpoint",
        entity("openai-completions", "openai", "gpt-3.5-turbo-instruct", "llm/v1/completions", **OPENAI_REF),
    )
    body = {"prompt": PROMPT, "temperature": 0.1, "max_tokens": 64, "n": 2}
    r = query(inprocess_gateway_admin, "openai-completions-endpoint", body)
    assert r.status_code == 200, r.text
    assert r.headers["served-model-name"] == "openai-completions"
    body = r.json()
    assert body["object"] == "text_completion" and body["model"] == "gpt-3.5-turbo-instruct"
    assert isinstance(body["created"], int) and body["id"]
    assert [c["index"] for c in body["choices"]] == [0, 1]
    assert set(body["choices"][0]) == {"text", "index", "finish_reason", "logprobs"}
    assert body["choices"][0]["text"].startswith("[openai/gpt-3.5-turbo-instruct]")
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    assert last_key_hash(fake_upstream_client, "openai") == sha(OPENAI_KEY)


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
def test_each_provider_kind(
    inprocess_gateway_admin: httpx.Client, name: str, ent: dict, body: dict, check: str | int
) -> None:
    create(inprocess_gateway_admin, name, ent)
    r = query(inprocess_gateway_admin, name, body)
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


def test_azure_key_and_entra_id(
    inprocess_gateway_admin: httpx.Client, fake_upstream: FakeUpstream, fake_upstream_client: httpx.Client
) -> None:
    azure = {
        "openai_api_type": "azure",
        "openai_api_base": fake_upstream.url,
        "openai_deployment_name": "dep-a",
        "openai_api_version": "2024-02-01",
        **OPENAI_REF,
    }
    create(inprocess_gateway_admin, "azure-ep", entity("az", "openai", "gpt-35-turbo", "llm/v1/chat", **azure))
    r = query(inprocess_gateway_admin, "azure-ep", CHAT)
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["message"]["content"].startswith("[azure/dep-a]")
    assert last_key_hash(fake_upstream_client, "azure") == sha(OPENAI_KEY)
    entra = {
        "openai_api_type": "azuread",
        "openai_api_base": fake_upstream.url,
        "openai_deployment_name": "dep-b",
        "openai_api_version": "2024-02-01",
        "microsoft_entra_tenant_id": "tenant-1",
        "microsoft_entra_client_id": "client-1",
        "microsoft_entra_client_secret": "{{secrets/entra_scope/secret}}",
    }
    create(
        inprocess_gateway_admin, "azuread-ep", entity("aad", "openai", "gpt-35-turbo", "llm/v1/completions", **entra)
    )
    r = query(inprocess_gateway_admin, "azuread-ep", {"prompt": "hi"})
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["text"].startswith("[azure/dep-b]")
    assert last_key_hash(fake_upstream_client, "entra") == sha(ENTRA_SECRET)


def test_custom_provider(inprocess_gateway_admin: httpx.Client, fake_upstream: FakeUpstream) -> None:
    config = {
        "custom_provider_url": f"{fake_upstream.url}/v1",
        "bearer_token_auth": {"token": "{{secrets/my_openai_secret_scope/openai_api_key}}"},
    }
    create(inprocess_gateway_admin, "custom-ep", entity("c", "custom", "llama-3", "llm/v1/chat", **config))
    r = query(inprocess_gateway_admin, "custom-ep", CHAT)
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["message"]["content"].startswith("[openai/llama-3]")


@pytest.mark.parametrize(
    "endpoint, body, kind",
    [
        ("openai-completions-endpoint", {"prompt": "hi"}, "text_completion_chunk"),
        ("oa-chat", CHAT, "chat.completion.chunk"),
        ("an-chat", CHAT, "chat.completion.chunk"),
        ("co-gen", {"prompt": "hi"}, "text_completion_chunk"),
        ("co-chat", CHAT, "chat.completion.chunk"),
    ],
)
def test_streaming(inprocess_gateway_admin: httpx.Client, endpoint: str, body: dict, kind: str) -> None:
    chunks = stream(inprocess_gateway_admin, endpoint, body)
    assert {c["object"] for c in chunks} == {kind}
    if kind == "chat.completion.chunk":
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    else:
        text = "".join(c["choices"][0]["text"] or "" for c in chunks)
    assert text.startswith("[") and len(text.split()) > 3
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_bad_payloads_and_unready_endpoints(inprocess_gateway_admin: httpx.Client) -> None:
    r = query(inprocess_gateway_admin, "oa-chat", {"prompt": "hi"})
    assert r.status_code == 400 and r.json()["message"].startswith("prompt: ")
    r = query(inprocess_gateway_admin, "oa-chat", {"messages": [{"role": "user", "content": "x"}], "temperature": 9})
    assert r.status_code == 400 and "temperature" in r.json()["message"]
    r = inprocess_gateway_admin.post("/serving-endpoints/oa-chat/invocations", content=b"{not json")
    assert r.status_code == 400
    r = query(inprocess_gateway_admin, "an-chat", {"messages": [{"role": "user", "content": "x"}], "n": 2})
    assert r.status_code == 400 and r.json()["message"].startswith("n: ")
    assert inprocess_gateway_admin.post("/api/2.0/serving-endpoints", json={"name": "empty-ep"}).status_code == 200
    r = query(inprocess_gateway_admin, "empty-ep", {"prompt": "hi"})
    assert r.status_code == 503 and r.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"
