"""Validation of the standard query per task: errors name the field and the reason."""

from __future__ import annotations

import pytest

from pulumi_serving.server.errors import InvalidParameterValue, MalformedRequest
from pulumi_serving.server.gateway.request import CHAT, COMPLETIONS, EMBEDDINGS, decode_body, parse_request
from pulumi_serving.server.gateway.upstream.bases import parse_upstream, upstream_bases


def test_completions_fields():
    request = parse_request(
        COMPLETIONS,
        {"prompt": ["a", "b"], "temperature": 0, "n": 5, "stop": "x", "top_p": 0.9, "usage_context": {"team": "ml"}},
    )
    assert request.prompts == ("a", "b") and request.n == 5 and request.stop == ("x",)
    assert request.extra == {"top_p": 0.9} and request.usage_context == {"team": "ml"}


@pytest.mark.parametrize(
    "task, body, field",
    [
        (COMPLETIONS, {}, "prompt"),
        (COMPLETIONS, {"prompt": "x", "messages": []}, "messages"),
        (COMPLETIONS, {"prompt": "x", "temperature": 2.5}, "temperature"),
        (COMPLETIONS, {"prompt": "x", "n": 6}, "n"),
        (COMPLETIONS, {"prompt": "x", "max_tokens": 0}, "max_tokens"),
        (COMPLETIONS, {"prompt": 3}, "prompt"),
        (COMPLETIONS, {"prompt": "x", "stream": "yes"}, "stream"),
        (CHAT, {"messages": [{"role": "robot", "content": "x"}]}, r"messages\[0\].role"),
        (CHAT, {"messages": []}, "messages"),
        (CHAT, {"prompt": "x"}, "prompt"),
        (EMBEDDINGS, {"input": "x", "max_tokens": 3}, "max_tokens"),
        (EMBEDDINGS, {"dataframe_records": []}, "dataframe_records"),
    ],
)
def test_bad_requests_name_the_field(task, body, field):
    with pytest.raises(InvalidParameterValue, match=f"^{field}: "):
        parse_request(task, body)


def test_upstream_overrides():
    assert parse_upstream("openai=http://127.0.0.1:9000") == ("openai", "http://127.0.0.1:9000/v1")
    assert parse_upstream("cohere=http://h:1/base/") == ("cohere", "http://h:1/base")
    assert upstream_bases(["anthropic=http://x:2"])["anthropic"] == "http://x:2/v1"
    for bad in ("openai", "nope=http://x", "openai=ftp://x"):
        with pytest.raises(ValueError, match="--upstream"):
            parse_upstream(bad)


@pytest.mark.parametrize("raw", [b"[" * 100_000, b'{"a":' * 100_000, b"[" * 3000 + b"]" * 3000])
def test_over_nested_bodies_are_malformed(raw):
    with pytest.raises(MalformedRequest, match="nested too deeply"):
        decode_body(raw)


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe", b'{"prompt": "x"'])
def test_undecodable_bodies_are_malformed(raw):
    with pytest.raises(MalformedRequest, match="Malformed JSON in request body"):
        decode_body(raw)


def test_empty_body_is_an_empty_object():
    assert decode_body(b"") == {} and decode_body(b'[1, {"a": 2}]') == [1, {"a": 2}]


@pytest.mark.parametrize(
    "task, body, field",
    [
        (COMPLETIONS, {"prompt": "\ud800"}, "prompt"),
        (COMPLETIONS, {"prompt": ["a", "\udfff"]}, r"prompt\[1\]"),
        (COMPLETIONS, {"prompt": "a", "stop": "\ud800"}, "stop"),
        (CHAT, {"messages": [{"role": "user", "content": "x\ud800"}]}, r"messages\[0\].content"),
        (EMBEDDINGS, {"input": ["\ud800"]}, r"input\[0\]"),
    ],
)
def test_lone_surrogates_name_the_field(task, body, field):
    with pytest.raises(InvalidParameterValue, match=rf"^{field}: text is not valid Unicode"):
        parse_request(task, body)
