"""The fake upstream over real HTTP (the CLI subprocess): each wire format, streams, switches, key hashing."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest

from pulumi_serving.fake_upstream.process import running_fake_upstream


def test_openai_completions_and_key_recorded_as_hash_only(fake_upstream_client):
    fake_upstream_client.delete("/_control/requests")
    r = fake_upstream_client.post(
        "/v1/completions",
        headers={"Authorization": "Bearer sk-secret-1"},
        json={"model": "gpt-3.5-turbo-instruct", "prompt": "What is Databricks?", "n": 2, "max_tokens": 64},
    )
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "text_completion" and len(body["choices"]) == 2
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    log = fake_upstream_client.get("/_control/requests").text
    assert "sk-secret-1" not in log and "Databricks" not in log
    assert json.loads(log)["requests"][0]["key_sha256"] == hashlib.sha256(b"sk-secret-1").hexdigest()


def test_openai_requires_a_key(fake_upstream_client):
    r = fake_upstream_client.post(
        "/v1/chat/completions", json={"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}]}
    )
    assert r.status_code == 401
    assert r.json()["error"]["type"] == "invalid_api_key"


def test_openai_chat_stream(fake_upstream_client):
    with fake_upstream_client.stream(
        "POST",
        "/v1/chat/completions",
        headers={"Authorization": "Bearer k"},
        json={"model": "gpt-4", "stream": True, "messages": [{"role": "user", "content": "hi"}]},
    ) as r:
        lines = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text.startswith("[openai/gpt-4]")
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_azure_needs_api_version_and_api_key(fake_upstream_client):
    path = "/openai/deployments/my-dep/chat/completions"
    body = {"messages": [{"role": "user", "content": "hi"}]}
    assert fake_upstream_client.post(path, headers={"api-key": "k"}, json=body).status_code == 400
    assert fake_upstream_client.post(path, params={"api-version": "2024-02-01"}, json=body).status_code == 401
    r = fake_upstream_client.post(path, params={"api-version": "2024-02-01"}, headers={"api-key": "k"}, json=body)
    assert r.status_code == 200
    assert r.json()["choices"][0]["message"]["content"].startswith("[azure/my-dep]")


def test_entra_token_is_accepted_by_azure(fake_upstream_client):
    token = fake_upstream_client.post(
        "/tenant-1/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "app",
            "client_secret": "s3",
            "scope": "https://cognitiveservices.azure.com/.default",
        },
    ).json()["access_token"]
    r = fake_upstream_client.post(
        "/openai/deployments/d/embeddings",
        params={"api-version": "2024-02-01"},
        headers={"Authorization": f"Bearer {token}"},
        json={"input": ["a", "b"]},
    )
    assert r.status_code == 200 and len(r.json()["data"]) == 2


def test_anthropic_messages_and_complete(fake_upstream_client):
    headers = {"x-api-key": "ant", "anthropic-version": "2023-06-01"}
    r = fake_upstream_client.post(
        "/v1/messages",
        headers=headers,
        json={"model": "claude-2", "max_tokens": 4, "messages": [{"role": "user", "content": "hi"}]},
    )
    assert r.json()["stop_reason"] == "max_tokens" and r.json()["usage"]["output_tokens"] == 4
    r = fake_upstream_client.post(
        "/v1/complete",
        headers=headers,
        json={"model": "claude-2", "max_tokens_to_sample": 50, "prompt": "\n\nHuman: hi\n\nAssistant:"},
    )
    assert r.json()["completion"].strip().startswith("[anthropic/claude-2]")
    r = fake_upstream_client.post(
        "/v1/complete", headers=headers, json={"model": "claude-2", "max_tokens_to_sample": 5, "prompt": "hi"}
    )
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"
    r = fake_upstream_client.post(
        "/v1/messages",
        headers={"x-api-key": "ant"},
        json={"model": "claude-2", "max_tokens": 4, "messages": [{"role": "user", "content": "hi"}]},
    )
    assert r.status_code == 400 and "anthropic-version" in r.json()["error"]["message"]


def test_anthropic_stream_events(fake_upstream_client):
    headers = {"x-api-key": "ant", "anthropic-version": "2023-06-01"}
    with fake_upstream_client.stream(
        "POST",
        "/v1/messages",
        headers=headers,
        json={"model": "claude-2", "max_tokens": 50, "stream": True, "messages": [{"role": "user", "content": "hi"}]},
    ) as r:
        events = [line[7:] for line in r.iter_lines() if line.startswith("event: ")]
    assert events[0] == "message_start" and events[-1] == "message_stop" and "content_block_delta" in events


def test_cohere_generate_chat_embed(fake_upstream_client):
    headers = {"Authorization": "Bearer co"}
    r = fake_upstream_client.post(
        "/v1/generate", headers=headers, json={"model": "command", "prompt": "hi", "num_generations": 2}
    )
    assert [g["index"] for g in r.json()["generations"]] == [0, 1]
    r = fake_upstream_client.post("/v1/chat", headers=headers, json={"model": "command", "message": "hi"})
    assert r.json()["text"].startswith("[cohere/command]")
    with fake_upstream_client.stream(
        "POST", "/v1/generate", headers=headers, json={"model": "command", "prompt": "hi", "stream": True}
    ) as r:
        items = [json.loads(line) for line in r.iter_lines() if line]
    assert items[-1]["is_finished"] is True
    r = fake_upstream_client.post("/v1/embed", headers=headers, json={"model": "embed-english-v3.0", "texts": ["a"]})
    assert len(r.json()["embeddings"][0]) == 8


def test_control_switches_inject_429_and_errors(fake_upstream_client):
    headers = {"Authorization": "Bearer k"}
    body = {"model": "gpt-4", "input": "x"}
    try:
        assert fake_upstream_client.post("/_control", json={"throttle_rate": 0.5}).status_code == 200
        statuses = [
            fake_upstream_client.post("/v1/embeddings", headers=headers, json=body).status_code for _ in range(4)
        ]
        assert statuses == [200, 429, 200, 429]
        fake_upstream_client.post("/_control", json={"throttle_rate": 0, "fail_rate": 1, "fail_status": 503})
        assert fake_upstream_client.post("/v1/embeddings", headers=headers, json=body).status_code == 503
        r = fake_upstream_client.post("/_control", json={"fail_rate": 3})
        assert r.status_code == 400 and "fail_rate" in r.json()["error"]
    finally:
        fake_upstream_client.post("/_control", json={"fail_rate": 0, "throttle_rate": 0})
    assert (
        fake_upstream_client.post(
            "/v1/embeddings", headers=headers, json={"model": "fail-502", "input": "x"}
        ).status_code
        == 502
    )


def test_bad_json_is_400(fake_upstream_client):
    r = fake_upstream_client.post("/v1/completions", headers={"Authorization": "Bearer k"}, content=b"{nope")
    assert r.status_code == 400


PROVIDER_PATHS = [
    "/v1/completions",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/messages",
    "/v1/complete",
    "/v1/generate",
    "/v1/chat",
    "/v1/embed",
    "/openai/deployments/dep/chat/completions?api-version=2024-02-01",
]
UNDECODABLE = {
    "lone-surrogate-escape": b'{"model": "gpt-4", "prompt": "\\ud800", "input": "\\udfff", "message": "\\ud800",'
    b' "messages": [{"role": "user", "content": "\\ud800"}]}',
    "lone-surrogate-bytes": b'{"model": "gpt-4", "prompt": "\xed\xa0\x80", "input": "\xed\xa0\x80",'
    b' "messages": [{"role": "user", "content": "\xed\xa0\x80"}]}',
    "over-nested": b"[" * 100_000,
    "closed-over-nested": b"[" * 3000 + b"]" * 3000,
    "not-utf8": b"\xff\xfe{",
}


@pytest.mark.parametrize("path", PROVIDER_PATHS)
@pytest.mark.parametrize("body", list(UNDECODABLE.values()), ids=list(UNDECODABLE))
def test_undecodable_input_is_a_400(fake_upstream_client, path, body):
    headers = {"Authorization": "Bearer k", "x-api-key": "k", "api-key": "k", "anthropic-version": "2023-06-01"}
    r = fake_upstream_client.post(path, content=body, headers=headers)
    assert r.status_code == 400, r.text
    assert "request body" in r.text


@pytest.mark.parametrize("body", list(UNDECODABLE.values()), ids=list(UNDECODABLE))
def test_undecodable_control_changes_are_a_400(fake_upstream_client, body):
    r = fake_upstream_client.post("/_control", content=body)
    assert r.status_code == 400 and "request body" in r.json()["error"]


def test_several_worker_processes_serve_one_port_with_the_switches():
    import os

    with (
        running_fake_upstream("--workers", "3", "--latency-ms", "1") as upstream,
        httpx.Client(base_url=upstream.url, timeout=10) as client,
    ):
        pids: set[str] = set()
        for _ in range(60):
            answer = client.post(
                "/v1/chat/completions",
                headers={"Authorization": "Bearer sk-w"},
                json={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
            )
            assert answer.status_code == 200
            switches = client.get("/_control", headers={"Connection": "close"}).json()["switches"]
            assert switches["latency_ms"] == 1
        children = os.popen(f"pgrep -P {upstream.process.pid}").read().split()
        pids.update(children)
        assert len(pids) >= 3  # the workers (and multiprocessing's resource tracker)
