"""Adapters: standard request -> provider wire format -> standard response, and stream translation (pure)."""

from __future__ import annotations

import pytest

from pulumi_serving.server.errors import InvalidParameterValue
from pulumi_serving.server.gateway.providers import ADAPTERS, Target
from pulumi_serving.server.gateway.request import CHAT, COMPLETIONS, EMBEDDINGS, parse_request

OPENAI = Target("openai", "gpt-4", "http://up/v1", "sk-1", {"organization": "org-9"})
AZURE = Target(
    "azure",
    "gpt-35",
    "https://res.openai.azure.com/",
    "az-key",
    {"api_type": "azure", "deployment": "dep", "api_version": "2024-02-01"},
)
AZURE_AD = Target(
    "azure",
    "gpt-35",
    "https://res",
    "entra-token",
    {"api_type": "azuread", "deployment": "dep", "api_version": "2024-02-01"},
)
ANTHROPIC = Target("anthropic", "claude-2", "http://up/v1", "ant-key")
COHERE = Target("cohere", "command", "http://up/v1", "co-key")
CUSTOM_KEY = Target("custom", "llama", "http://custom/v1", "ck", {"auth_header": "X-Api-Key"})
CUSTOM_FULL = Target("custom", "llama", "http://custom/v1/chat/completions", "tok")


def test_openai_completions_request_and_response():
    request = parse_request(
        COMPLETIONS, {"prompt": "hi", "temperature": 0.1, "max_tokens": 5, "n": 2, "extra_params": {"top_p": 0.5}}
    )
    call = ADAPTERS["openai"].build(request, OPENAI)
    assert call.url == "http://up/v1/completions"
    assert call.headers == {"Authorization": "Bearer sk-1", "OpenAI-Organization": "org-9"}
    assert call.json == {"model": "gpt-4", "prompt": "hi", "temperature": 0.1, "max_tokens": 5, "n": 2, "top_p": 0.5}
    answer = ADAPTERS["openai"].translate(
        request,
        OPENAI,
        {
            "id": "cmpl-1",
            "created": 7,
            "model": "gpt-4",
            "choices": [
                {"index": 1, "text": "b", "finish_reason": "length"},
                {"index": 0, "text": "a", "finish_reason": "stop"},
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        },
    )
    assert answer["object"] == "text_completion"
    assert [c["text"] for c in answer["choices"]] == ["a", "b"]
    assert answer["choices"][0]["logprobs"] is None
    assert answer["usage"] == {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}


def test_azure_uses_deployment_path_api_version_and_api_key():
    request = parse_request(CHAT, {"messages": [{"role": "user", "content": "hi"}]})
    call = ADAPTERS["azure"].build(request, AZURE)
    assert call.url == "https://res.openai.azure.com/openai/deployments/dep/chat/completions"
    assert call.params == {"api-version": "2024-02-01"}
    assert call.headers == {"api-key": "az-key"}
    assert "model" not in call.json
    assert ADAPTERS["azure"].build(request, AZURE_AD).headers == {"Authorization": "Bearer entra-token"}


def test_custom_provider_auth_header_and_url():
    request = parse_request(CHAT, {"messages": [{"role": "user", "content": "hi"}]})
    keyed = ADAPTERS["custom"].build(request, CUSTOM_KEY)
    assert keyed.url == "http://custom/v1/chat/completions" and keyed.headers == {"X-Api-Key": "ck"}
    full = ADAPTERS["custom"].build(request, CUSTOM_FULL)
    assert full.url == "http://custom/v1/chat/completions" and full.headers == {"Authorization": "Bearer tok"}


def test_anthropic_chat_maps_system_temperature_and_stop():
    request = parse_request(
        CHAT,
        {
            "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
            "temperature": 1.0,
            "stop": ["END"],
        },
    )
    call = ADAPTERS["anthropic"].build(request, ANTHROPIC)
    assert call.url == "http://up/v1/messages"
    assert call.headers == {"x-api-key": "ant-key", "anthropic-version": "2023-06-01"}
    assert call.json["system"] == "be brief"
    assert call.json["messages"] == [{"role": "user", "content": "hi"}]
    assert call.json["temperature"] == 0.5 and call.json["stop_sequences"] == ["END"]
    assert call.json["max_tokens"] == 1024
    answer = ADAPTERS["anthropic"].translate(
        request,
        ANTHROPIC,
        {
            "id": "msg_1",
            "model": "claude-2",
            "content": [{"type": "text", "text": "yo"}],
            "stop_reason": "max_tokens",
            "usage": {"input_tokens": 4, "output_tokens": 1},
        },
    )
    assert answer["object"] == "chat.completion"
    assert answer["choices"][0] == {
        "index": 0,
        "message": {"role": "assistant", "content": "yo"},
        "finish_reason": "length",
    }
    assert answer["usage"]["total_tokens"] == 5


def test_anthropic_completions_wrap_the_prompt_and_refuse_n():
    request = parse_request(COMPLETIONS, {"prompt": "hello"})
    assert ADAPTERS["anthropic"].build(request, ANTHROPIC).json["messages"] == [{"role": "user", "content": "hello"}]
    with pytest.raises(InvalidParameterValue, match=r"^n: "):
        ADAPTERS["anthropic"].build(parse_request(COMPLETIONS, {"prompt": "x", "n": 2}), ANTHROPIC)


def test_cohere_generate_chat_embed():
    adapter = ADAPTERS["cohere"]
    gen = adapter.build(parse_request(COMPLETIONS, {"prompt": "hi", "n": 2}), COHERE)
    assert gen.url == "http://up/v1/generate" and gen.json["num_generations"] == 2
    chat = adapter.build(
        parse_request(
            CHAT,
            {
                "messages": [
                    {"role": "system", "content": "sys"},
                    {"role": "user", "content": "a"},
                    {"role": "assistant", "content": "b"},
                    {"role": "user", "content": "c"},
                ]
            },
        ),
        COHERE,
    )
    assert chat.json["message"] == "c" and chat.json["preamble"] == "sys"
    assert chat.json["chat_history"] == [{"role": "USER", "message": "a"}, {"role": "CHATBOT", "message": "b"}]
    request = parse_request(EMBEDDINGS, {"input": ["x", "y"]})
    embed = adapter.build(request, COHERE)
    assert embed.url == "http://up/v1/embed" and embed.json["texts"] == ["x", "y"]
    answer = adapter.translate(
        request, COHERE, {"embeddings": [[0.1], [0.2]], "meta": {"billed_units": {"input_tokens": 2}}}
    )
    assert answer["object"] == "list" and answer["data"][1] == {"object": "embedding", "index": 1, "embedding": [0.2]}
    assert answer["usage"] == {"prompt_tokens": 2, "total_tokens": 2}


def test_openai_stream_chunks_are_relabelled_and_counted():
    request = parse_request(COMPLETIONS, {"prompt": "hi", "stream": True})
    stream = ADAPTERS["openai"].stream(request, OPENAI)
    chunks = stream.feed(
        {"id": "c", "created": 1, "model": "gpt-4", "choices": [{"index": 0, "text": "yo", "finish_reason": None}]}
    )
    assert chunks[0]["object"] == "text_completion_chunk" and chunks[0]["choices"][0]["text"] == "yo"
    assert stream.completion_tokens == 1


def test_anthropic_stream_translation():
    request = parse_request(CHAT, {"messages": [{"role": "user", "content": "hi"}], "stream": True})
    stream = ADAPTERS["anthropic"].stream(request, ANTHROPIC)
    out = stream.feed({"type": "message_start", "message": {"id": "m", "usage": {"input_tokens": 3}}})
    out += stream.feed({"type": "content_block_delta", "delta": {"type": "text_delta", "text": "a"}})
    out += stream.feed({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 1}})
    assert [c["choices"][0]["delta"] for c in out] == [{"role": "assistant", "content": ""}, {"content": "a"}, {}]
    assert out[-1]["choices"][0]["finish_reason"] == "stop"
    assert (stream.prompt_tokens, stream.completion_tokens) == (3, 1)


def test_cohere_stream_translation():
    request = parse_request(COMPLETIONS, {"prompt": "hi", "stream": True})
    stream = ADAPTERS["cohere"].stream(request, COHERE)
    out = stream.feed({"text": "a", "is_finished": False})
    out += stream.feed(
        {
            "is_finished": True,
            "finish_reason": "MAX_TOKENS",
            "response": {"generations": [{}], "meta": {"billed_units": {"input_tokens": 1, "output_tokens": 1}}},
        }
    )
    assert out[0]["choices"][0]["text"] == "a" and out[-1]["choices"][0]["finish_reason"] == "length"


@pytest.mark.parametrize(
    "target, events, ident",
    [
        (
            Target("amazon-bedrock", "titan", "http://up", "k", {"bedrock_provider": "amazon"}),
            [
                {"outputText": "a"},
                {"outputText": "b", "completionReason": "FINISH", "totalOutputTextTokenCount": 2},
            ],
            "",
        ),
        (COHERE, [{"text": "a"}, {"text": "b"}, {"is_finished": True, "finish_reason": "COMPLETE"}], ""),
        (
            Target("google-cloud-vertex-ai", "gemini", "http://up", "k", {"project": "p", "region": "r"}),
            [
                {"responseId": "r1", "candidates": [{"content": {"parts": [{"text": "a"}]}}]},
                {"responseId": "r1", "candidates": [{"content": {"parts": [{"text": "b"}]}, "finishReason": "STOP"}]},
            ],
            "r1",
        ),
    ],
    ids=["titan", "cohere", "vertex"],
)
def test_chat_streams_name_the_assistant_once_then_carry_the_text(target, events, ident):
    request = parse_request(CHAT, {"messages": [{"role": "user", "content": "hi"}], "stream": True})
    stream = ADAPTERS[target.adapter].stream(request, target)
    out = [chunk for event in events for chunk in stream.feed(event)]
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == target.model for c in out)
    assert [c["choices"][0]["delta"].get("role") for c in out].count("assistant") == 1
    assert out[0]["choices"][0]["delta"]["role"] == "assistant" and out[-1]["choices"][0]["finish_reason"] == "stop"
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in out) == "ab"
    assert {c["id"] for c in out} == {ident} and len({c["created"] for c in out}) == 1
    assert stream.done and stream.completion_tokens == 2
