"""Upstream stream framings decode the same events whatever the network cuts (pure)."""

from __future__ import annotations

import pytest

from pulumi_serving.fake_upstream.bedrock_wire import chunk_message, event_message
from pulumi_serving.server.gateway.upstream.stream_decoders import NDJSON, SSE, BrokenStream, EventStream

SSE_BODY = b'event: x\ndata: {"a":1}\n\n: comment\ndata: {"a":2}\r\n\r\ndata: [DONE]\n\ndata: {"after":1}\n\n'


def _feed(decoder, body: bytes, step: int) -> list:
    events = []
    for i in range(0, len(body), step):
        events += decoder.feed(body[i : i + step])
    return events + decoder.close()


@pytest.mark.parametrize("step", [1, 3, 7, 1000])
def test_sse_events_and_done_whatever_the_cuts(step):
    decoder = SSE()
    assert _feed(decoder, SSE_BODY, step) == [{"a": 1}, {"a": 2}]
    assert decoder.ended


@pytest.mark.parametrize("step", [1, 5, 1000])
def test_ndjson_events_including_a_last_line_without_newline(step):
    assert _feed(NDJSON(), b'{"a":1}\n\n{"a":2}', step) == [{"a": 1}, {"a": 2}]


@pytest.mark.parametrize("step", [1, 13, 10000])
def test_aws_event_stream_chunks(step):
    body = chunk_message({"outputText": "a"}) + chunk_message({"outputText": "b"})
    assert _feed(EventStream(), body, step) == [{"outputText": "a"}, {"outputText": "b"}]


@pytest.mark.parametrize(
    "decoder, body",
    [
        (SSE(), b"data: not json\n\n"),
        (SSE(), b"data: [1, 2]\n\n"),
        (NDJSON(), b"garbage\n"),
        (SSE(), b"data: " + b"x" * (1024 * 1024 + 10)),
        (EventStream(), event_message({":message-type": "exception", ":exception-type": "throttlingException"}, b"{}")),
        (EventStream(), b"\x00\x00\x00\x10" + b"\xff" * 20),
    ],
)
def test_what_a_provider_never_sends_is_a_broken_stream(decoder, body):
    with pytest.raises(BrokenStream):
        decoder.feed(body)
