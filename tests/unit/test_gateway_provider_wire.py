"""Each new adapter against the fake upstream's wire format: the call it builds is answered by the fake (the
real ``fake-upstream`` server on loopback), and the answer or stream translates into the standard shapes; for every
task and Bedrock family the provider has."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import httpx
import pytest

from pulumi_serving.payloads.external_models import PROVIDERS
from pulumi_serving.server.gateway.providers import ADAPTERS, Target
from pulumi_serving.server.gateway.request import CHAT, COMPLETIONS, EMBEDDINGS, parse_request
from pulumi_serving.server.gateway.upstream.bases import parse_upstream
from pulumi_serving.server.gateway.upstream.stream_decoders import DECODERS

BASE = "http://fake"
BODIES = {
    COMPLETIONS: {"prompt": "one two", "max_tokens": 5},
    EMBEDDINGS: {"input": ["a b", "c"]},
    CHAT: {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "one two"}], "max_tokens": 5},
}
BEDROCK = {"region": "us-east-1", "access_key_id": "AKIAUNIT0000"}
CASES = [
    ("amazon-bedrock", "anthropic.claude-v2:1", {**BEDROCK, "bedrock_provider": "anthropic"}, (COMPLETIONS, CHAT)),
    ("amazon-bedrock", "cohere.command-r-v1:0", {**BEDROCK, "bedrock_provider": "cohere"}, (COMPLETIONS, CHAT)),
    ("amazon-bedrock", "cohere.embed-english-v3", {**BEDROCK, "bedrock_provider": "cohere"}, (EMBEDDINGS,)),
    ("amazon-bedrock", "ai21.j2-mid-v1", {**BEDROCK, "bedrock_provider": "ai21labs"}, (COMPLETIONS,)),
    ("amazon-bedrock", "amazon.titan-text-lite-v1", {**BEDROCK, "bedrock_provider": "amazon"}, (COMPLETIONS, CHAT)),
    ("google-cloud-vertex-ai", "gemini-pro", {"project": "p", "region": "r"}, (COMPLETIONS, CHAT, EMBEDDINGS)),
    ("ai21labs", "j2-ultra", {}, (COMPLETIONS,)),
    ("palm", "models/text-bison-001", {}, (COMPLETIONS, CHAT, EMBEDDINGS)),
    ("databricks-model-serving", "other", {}, (COMPLETIONS, CHAT, EMBEDDINGS)),
]
BASES = {
    "amazon-bedrock": "",
    "google-cloud-vertex-ai": "/v1",
    "ai21labs": "/studio/v1",
    "palm": "/v1beta3",
    "databricks-model-serving": "",
}
CREDENTIALS = {"google-cloud-vertex-ai": "fake-google-unit"}


def _post(fake: httpx.Client, call) -> httpx.Response:
    parts = urlsplit(call.url)
    body = call.content if call.content is not None else json.dumps(call.json).encode()
    return fake.post(
        parts.path, content=body, params=call.params, headers={"Content-Type": "application/json", **call.headers}
    )


@pytest.mark.parametrize("provider, model, options, tasks", CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_every_task_round_trips_through_the_fake(fake_upstream_client, provider, model, options, tasks):
    adapter = ADAPTERS[provider]
    target = Target(provider, model, BASE + BASES[provider], CREDENTIALS.get(provider, "secret-unit"), options)
    for task in tasks:
        request = parse_request(task, BODIES[task])
        answer = _post(fake_upstream_client, adapter.build(request, target))
        assert answer.status_code == 200, answer.text
        result = adapter.translate(request, target, answer.json())
        if task == EMBEDDINGS:
            assert result["object"] == "list" and len(result["data"]) >= 1
            assert len(result["data"][0]["embedding"]) == 8
        else:
            text = result["choices"][0]["text" if task == COMPLETIONS else "message"]
            text = text if isinstance(text, str) else text["content"]
            assert text.startswith("[") and result["usage"]["total_tokens"] > 0


STREAMING = [
    c
    for c in CASES
    if c[0] in ("amazon-bedrock", "google-cloud-vertex-ai", "databricks-model-serving")
    and c[1].split(".")[0] not in ("ai21",)
    and EMBEDDINGS not in c[3]
]


@pytest.mark.parametrize("provider, model, options, tasks", STREAMING, ids=[f"{c[0]}:{c[1]}" for c in STREAMING])
def test_streams_translate_into_standard_chunks_and_end(fake_upstream_client, provider, model, options, tasks):
    adapter = ADAPTERS[provider]
    target = Target(provider, model, BASE + BASES[provider], CREDENTIALS.get(provider, "secret-unit"), options)
    request = parse_request(CHAT, {**BODIES[CHAT], "stream": True})
    answer = _post(fake_upstream_client, adapter.build(request, target))
    assert answer.status_code == 200, answer.text
    decoder, translator = DECODERS[adapter.stream_format](), adapter.stream(request, target)
    chunks = [c for event in decoder.feed(answer.content) + decoder.close() for c in translator.feed(event)]
    assert translator.done and translator.completion_tokens > 0
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks).startswith("[")


def test_every_provider_name_of_the_api_is_an_upstream_override():
    for provider in (p for p in PROVIDERS if p != "custom"):
        assert parse_upstream(f"{provider}=http://127.0.0.1:9")[0] == provider
    assert parse_upstream("google-oauth=http://h:1") == ("google-oauth", "http://h:1/token")


def test_bedrock_calls_are_sigv4_signed_for_the_region_and_exact_body():
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    target = Target(
        "amazon-bedrock",
        "amazon.titan-text-lite-v1",
        "https://bedrock-runtime.eu-west-1.amazonaws.com",
        "aws-secret-unit",
        {"region": "eu-west-1", "access_key_id": "AKIAUNIT0000", "bedrock_provider": "amazon"},
    )
    call = ADAPTERS["amazon-bedrock"].build(parse_request(COMPLETIONS, BODIES[COMPLETIONS]), target)
    assert call.url.endswith("/model/amazon.titan-text-lite-v1/invoke")
    assert call.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIAUNIT0000/")
    assert "/eu-west-1/bedrock/aws4_request" in call.headers["Authorization"]
    again = AWSRequest(
        method="POST",
        url=call.url,
        data=call.content,
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-Amz-Date": call.headers["X-Amz-Date"],
        },
    )
    signer = SigV4Auth(Credentials("AKIAUNIT0000", "aws-secret-unit"), "bedrock", "eu-west-1")
    again.context["timestamp"] = call.headers["X-Amz-Date"]
    expected = signer.signature(signer.string_to_sign(again, signer.canonical_request(again)), again)
    assert call.headers["Authorization"].endswith(f"Signature={expected}")
    assert "aws-secret-unit" not in repr(call)
