"""The hot path's JSON reads and writes what the standard library does: orjson where it can, the standard library
for what orjson declines, with the standard library's errors."""

from __future__ import annotations

import json

import pytest

from pulumi_serving.server.gateway import fast_json


@pytest.mark.parametrize(
    "raw",
    [
        b'{"max_tokens": 16, "messages": [{"role": "user", "content": "caf\\u00e9 \xc3\xa9"}]}',
        b"[1, 2.5, -0, 1e2, true, null]",
        b'{"n": 123456789012345678901234567890}',  # beyond 64 bits: orjson declines, json reads it
        b'{"t": NaN, "u": Infinity}',  # not JSON, but what the standard library accepted before
        b'"\\ud800"',  # a lone surrogate
        b'{"a": 1, "a": 2}',
        '{"s": "text"}',
    ],
)
def test_loads_reads_what_the_standard_library_reads(raw):
    got, want = fast_json.loads(raw), json.loads(raw)
    assert json.dumps(got) == json.dumps(want) and type(got) is type(want)


@pytest.mark.parametrize("raw", [b"{not json", b'{"a": 1', b"\xff\xfe", b"[" * 100_000])
def test_loads_fails_as_the_standard_library_fails(raw):
    with pytest.raises((ValueError, RecursionError)) as ours:
        fast_json.loads(raw)
    with pytest.raises((ValueError, RecursionError)) as theirs:
        json.loads(raw)
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    "value",
    [
        {"id": "x", "choices": [{"index": 0, "delta": {"content": "café ☕"}, "finish_reason": None}]},
        {"big": 10**30, "list": (1, 2)},  # orjson declines the integer: the standard library writes it
        [1.5, -3, True, None, 'a\nb"c'],
    ],
)
def test_dumps_writes_compact_json_of_the_same_value(value):
    text = fast_json.dumps(value)
    assert b": " not in text and b", " not in text
    assert json.loads(text) == json.loads(json.dumps(value))
