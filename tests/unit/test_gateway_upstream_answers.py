"""Every bad upstream answer is a 502, never a 500: a property test over every adapter.

Seeds are real answers of the fake upstream (the ``fake-upstream`` server on loopback) for each adapter, task and
Bedrock family, plain and streamed. Hypothesis mutates them (numbers out of range such as ``1e999``, wrong types,
missing and extra fields, bad UTF-8, lone surrogates, cut framing, events dropped) and drives them in-process
through the gateway's real boundary: the upstream client's JSON reading and :func:`standard_answer` for plain
answers; the real stream decoders, :class:`UpstreamStream` and :class:`StreamRelay` for streams. Each answer must
either be a standard answer the gateway can write, or a 502 ``INTERNAL_ERROR``; each stream must end with
``[DONE]`` or one error event; nothing may raise anything else (the 500 path), and nothing is logged with a
traceback. A few representative cases run over real HTTP in ``tests/api/test_gateway_hostile_upstreams.py``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_serving.fake_upstream.bedrock_wire import event_message
from pulumi_serving.server.errors import Unauthenticated
from pulumi_serving.server.gateway import fast_json, responses
from pulumi_serving.server.gateway.providers import ADAPTERS, Target
from pulumi_serving.server.gateway.request import CHAT, COMPLETIONS, EMBEDDINGS, StandardRequest, parse_request
from pulumi_serving.server.gateway.upstream.client import UpstreamStream, Who, answer_json
from pulumi_serving.server.gateway.upstream.errors import UpstreamError
from pulumi_serving.server.gateway.upstream.stream_decoders import DECODERS
from pulumi_serving.server.gateway.upstream_answers import ACCESS_CHECK_S, StreamRelay, standard_answer

# generated answers per adapter: half plain, half streamed (all plain for the two that do not stream); 20,000 in
# all, about 16 s on one core (Hypothesis itself takes a third of a millisecond per example)
PER_ADAPTER = 2000
BASE = "http://fake"
BEDROCK = {"region": "us-east-1", "access_key_id": "AKIAUNIT0000"}
AZURE = {"api_type": "azure", "deployment": "dep", "api_version": "2024-02-01"}
BODIES = {
    COMPLETIONS: {"prompt": "one two", "max_tokens": 5},
    EMBEDDINGS: {"input": ["a b", "c"]},
    CHAT: {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "one two"}], "max_tokens": 5},
}
ALL = (COMPLETIONS, CHAT, EMBEDDINGS)
# (adapter, model, base path on the fake, options, tasks)
CASES = [
    ("openai", "gpt-4", "/v1", {}, ALL),
    ("azure", "gpt-35", "", AZURE, ALL),
    ("custom", "llama", "/v1", {}, ALL),
    ("anthropic", "claude-2", "/v1", {}, (COMPLETIONS, CHAT)),
    ("cohere", "command", "/v1", {}, ALL),
    ("amazon-bedrock", "anthropic.claude-v2:1", "", {**BEDROCK, "bedrock_provider": "anthropic"}, (CHAT,)),
    ("amazon-bedrock", "cohere.command-r-v1:0", "", {**BEDROCK, "bedrock_provider": "cohere"}, (CHAT,)),
    ("amazon-bedrock", "cohere.embed-english-v3", "", {**BEDROCK, "bedrock_provider": "cohere"}, (EMBEDDINGS,)),
    ("amazon-bedrock", "ai21.j2-mid-v1", "", {**BEDROCK, "bedrock_provider": "ai21labs"}, (COMPLETIONS,)),
    ("amazon-bedrock", "amazon.titan-text-lite-v1", "", {**BEDROCK, "bedrock_provider": "amazon"}, (CHAT,)),
    ("google-cloud-vertex-ai", "gemini-pro", "/v1", {"project": "p", "region": "r"}, ALL),
    ("ai21labs", "j2-ultra", "/studio/v1", {}, (COMPLETIONS,)),
    ("palm", "models/text-bison-001", "/v1beta3", {}, ALL),
    ("databricks-model-serving", "other", "", {}, ALL),
]
# JSON number literals no encoder writes, spliced into the text in place of their marker string
NUMBERS = ["1e999", "-1e999", "NaN", "Infinity", "-1", "1e308", "0.5", "123456789012345678901234567890", "9e15"]
HOSTILE: list[Any] = [
    *(f"@number:{n}" for n in NUMBERS),
    *(None, True, False, 0, -1, 2**63, 2**64 + 1, 1.5, "", "x", [], {}, [None], {"a": None}, {"text": 1}),
    *("\ud800", "a\udfffb", "stop", "end_turn", "\x00", "\u00e9\u4e2d"),
]
GARBAGE = [b"\xff", b"\xc3(", b"\xed\xa0\x80", b"\n", b"\x00", b"data: {", b"\r\n\r\n", b"[DONE]"]


@dataclass(frozen=True)
class Seed:
    label: str
    adapter: str
    target: Target
    request: StandardRequest
    body: Any = None  # a plain answer's JSON value
    events: tuple[dict[str, Any], ...] = ()  # a stream's decoded events
    done_marker: bool = False  # the stream ended with SSE's [DONE]


def _post(fake: httpx.Client, call: Any) -> httpx.Response:
    parts = urlsplit(call.url)
    body = call.content if call.content is not None else json.dumps(call.json).encode()
    headers = {"Content-Type": "application/json", **call.headers}
    return fake.post(parts.path, content=body, params=call.params, headers=headers)


def _seeds(fake: httpx.Client) -> Iterator[Seed]:
    for name, model, path, options, tasks in CASES:
        credential = "fake-google-unit" if name == "google-cloud-vertex-ai" else "secret-unit"  # the fake's token
        adapter, target = ADAPTERS[name], Target(name, model, BASE + path, credential, options)
        for task in tasks:
            request = parse_request(task, BODIES[task])
            answer = _post(fake, adapter.build(request, target))
            assert answer.status_code == 200, (name, task, answer.text)
            yield Seed(f"{name}:{model}:{task}", name, target, request, body=answer.json())
            if task == EMBEDDINGS or name in ("ai21labs", "palm") or model.startswith("ai21."):
                continue  # no stream
            streamed = parse_request(task, {**BODIES[task], "stream": True})
            answer = _post(fake, adapter.build(streamed, target))
            assert answer.status_code == 200, (name, task, answer.text)
            decoder = DECODERS[adapter.stream_format]()
            events = tuple(decoder.feed(answer.content) + decoder.close())
            yield Seed(f"{name}:{model}:{task}:stream", name, target, streamed, None, events, decoder.ended)


@pytest.fixture(scope="module")
def seeds(fake_upstream_client) -> dict[str, list[Seed]]:
    by_adapter: dict[str, list[Seed]] = {}
    for seed in _seeds(fake_upstream_client):
        by_adapter.setdefault(seed.adapter, []).append(seed)
    assert set(by_adapter) == set(ADAPTERS)  # every adapter has seeds
    return by_adapter


# mutations (driven by one Random per example that Hypothesis seeds: cheap enough for thousands of answers)
def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:4]):
            yield from _paths(item, (*prefix, index))


def _mutated(value: Any, path: tuple[Any, ...], action: str, new: Any) -> Any:
    if not path:
        return new if action == "replace" else [value] if action == "wrap" else value
    head, rest = path[0], path[1:]
    copy = dict(value) if isinstance(value, dict) else list(value)
    if not rest and action == "delete":
        del copy[head]
    elif not rest and action == "extra" and isinstance(copy, dict):
        copy[f"extra_{head}"] = new
    else:
        copy[head] = _mutated(copy[head], rest, action, new)
    return copy


def mutated_json(rnd: random.Random, value: Any) -> Any:
    """``value`` with one to three of its values replaced by hostile ones, deleted, wrapped or joined by extras."""
    for _ in range(rnd.randint(1, 3)):
        path = rnd.choice(list(_paths(value)))
        action = rnd.choice(["replace", "replace", "delete", "extra", "wrap"])
        new = rnd.choice(HOSTILE) if rnd.random() < 0.9 else "".join(chr(rnd.randint(0, 0x2FFF)) for _ in range(3))
        value = _mutated(value, path, action, new)
    return value


def _text(value: Any) -> bytes:
    raw = json.dumps(value, ensure_ascii=True)
    for number in NUMBERS:
        raw = raw.replace(json.dumps(f"@number:{number}"), number)
    return raw.encode()


def damaged(rnd: random.Random, raw: bytes) -> bytes:
    """``raw`` as it is, cut short, or with bytes that are not UTF-8 (or not the framing's) put in."""
    how = rnd.choice(["as is", "as is", "cut", "garbage"])
    if how == "as is" or not raw:
        return raw
    at = rnd.randrange(len(raw))
    return raw[:at] if how == "cut" else raw[:at] + rnd.choice(GARBAGE) + raw[at:]


def _who(seed: Seed) -> Who:
    return Who(seed.adapter, "e", seed.target.credential)


def _assert_502(err: UpstreamError) -> None:
    assert err.status == 502 and err.body()["error_code"] == "INTERNAL_ERROR", err.body()
    assert "Served entity e: upstream" in err.message


def _assert_passed_on(answer: Any) -> None:
    assert responses.answer_problem(answer) is None
    written = fast_json.dumps(answer)
    assert json.loads(written) == answer


@pytest.fixture
def no_tracebacks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.WARNING, logger="pulumi_serving")
    yield
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]


STREAMING = sorted(name for name in ADAPTERS if name not in ("ai21labs", "palm"))
# one profile for both properties: a fixed sequence of examples (derandomized, no example database), no deadline
settings.register_profile(
    "upstream-answers",
    max_examples=PER_ADAPTER // 2,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile("upstream-answers")


def _plain_examples(adapter: str) -> int:
    return PER_ADAPTER // 2 if adapter in STREAMING else PER_ADAPTER


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_every_plain_answer_is_passed_on_or_a_502(seeds, adapter, no_tracebacks):
    plain = [s for s in seeds[adapter] if s.body is not None]

    examples = _plain_examples(adapter)
    ran = []

    @settings(PROFILE, max_examples=examples)
    @given(rnd=st.randoms(use_true_random=True))
    def answer(rnd: random.Random) -> None:
        ran.append(1)
        seed = rnd.choice(plain)
        raw = damaged(rnd, _text(mutated_json(rnd, seed.body)))
        who = _who(seed)
        try:
            passed_on = standard_answer(who, ADAPTERS[adapter], seed.request, seed.target, answer_json(who, raw))
        except UpstreamError as err:
            _assert_502(err)
            return
        _assert_passed_on(passed_on)

    answer()
    assert len(ran) >= examples  # every example was generated and run (none filtered or cut short)


def _aws_chunk(event: Any) -> bytes:
    """An AWS event stream ``chunk`` message carrying ``event`` (as Bedrock frames each event)."""
    payload = json.dumps({"bytes": base64.b64encode(_text(event)).decode()}).encode()
    return event_message(
        {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"}, payload
    )


def _framed(seed: Seed, events: list[Any], done: bool) -> bytes:
    framing = ADAPTERS[seed.adapter].stream_format
    if framing == "eventstream":
        return b"".join(_aws_chunk(e) for e in events)
    lines = [(b"data: " if framing == "sse" else b"") + _text(e) for e in events]
    if done:
        lines.append(b"data: [DONE]")
    return b"".join(line + (b"\n\n" if framing == "sse" else b"\n") for line in lines)


async def _pieces(raw: bytes, cuts: list[int]) -> AsyncIterator[bytes]:
    at = 0
    for cut in sorted(cuts):
        yield raw[at:cut]
        at = cut
    yield raw[at:]


async def _nothing() -> None:
    return None


async def _relay(seed: Seed, raw: bytes, cuts: list[int]) -> tuple[list[bytes], StreamRelay]:
    adapter = ADAPTERS[seed.adapter]
    upstream = UpstreamStream(_pieces(raw, cuts), _nothing, _who(seed), 5.0, DECODERS[adapter.stream_format]())
    relay = StreamRelay("ep", _who(seed), adapter.stream(seed.request, seed.target))
    return [piece async for piece in relay.pieces(upstream)], relay


LOOP = asyncio.new_event_loop()


@pytest.mark.parametrize("adapter", STREAMING)
def test_every_stream_ends_with_done_or_one_error_event(seeds, adapter, no_tracebacks):
    streamed = [s for s in seeds[adapter] if s.events]

    ran = []

    @settings(PROFILE)
    @given(rnd=st.randoms(use_true_random=True))
    def stream(rnd: random.Random) -> None:
        ran.append(1)
        seed = rnd.choice(streamed)
        events: list[Any] = list(seed.events)
        if rnd.random() < 0.7:
            at = rnd.randrange(len(events))
            events[at] = mutated_json(rnd, events[at])
        if rnd.random() < 0.2:
            events = events[: rnd.randint(0, len(events))]
        raw = damaged(rnd, _framed(seed, events, seed.done_marker and rnd.random() < 0.8))
        cuts = [rnd.randint(0, len(raw)) for _ in range(rnd.randint(0, 3))]
        pieces, relay = LOOP.run_until_complete(_relay(seed, raw, cuts))
        lines = [line for piece in pieces for line in piece.split(b"\n\n") if line]
        assert all(line.startswith(b"data: ") for line in lines)
        *chunks, last = [line[6:] for line in lines]
        for chunk in chunks:
            assert responses.chunk_problem(json.loads(chunk)) is None
        if last != b"[DONE]":
            error = json.loads(last)
            assert error["error_code"] == "INTERNAL_ERROR" and not relay.ok, error
        else:
            assert relay.ok
        for count in (relay.prompt_tokens, relay.completion_tokens):
            assert responses.count_problem(count, "count") is None

    stream()
    assert len(ran) >= PROFILE.max_examples


def test_the_seeds_themselves_pass_on(seeds):
    """The unmutated answers are standard answers and complete streams (so the mutations are what fails)."""
    for seed in (s for group in seeds.values() for s in group):
        if seed.body is not None:
            _assert_passed_on(standard_answer(_who(seed), ADAPTERS[seed.adapter], seed.request, seed.target, seed.body))
        else:
            pieces, relay = LOOP.run_until_complete(
                _relay(seed, _framed(seed, list(seed.events), seed.done_marker), [])
            )
            assert relay.ok and pieces[-1] == b"data: [DONE]\n\n", (seed.label, pieces[-1])


def test_a_number_beyond_range_is_named_in_the_502():
    seed = Seed("openai", "openai", Target("openai", "m", BASE, "k"), parse_request(CHAT, BODIES[CHAT]))
    body = answer_json(_who(seed), b'{"id":"x","created":1e999,"choices":[{"message":{"content":"hi"}}]}')
    with pytest.raises(UpstreamError) as raised:
        standard_answer(_who(seed), ADAPTERS["openai"], seed.request, seed.target, body)
    _assert_502(raised.value)
    assert "OverflowError" in raised.value.message
    body = {"id": "x", "created": 1, "choices": [{"message": {"content": "hi"}}], "usage": {"prompt_tokens": 2**60}}
    with pytest.raises(UpstreamError) as raised:
        standard_answer(_who(seed), ADAPTERS["openai"], seed.request, seed.target, body)
    assert "usage.prompt_tokens is out of range" in raised.value.message


def test_a_stream_waiting_on_a_silent_upstream_ends_once_its_caller_is_refused():
    """The access check interrupts a wait for the upstream (the upstream here never sends anything)."""
    refused_after = time.monotonic() + 0.2

    def access() -> None:
        if time.monotonic() > refused_after:
            raise Unauthenticated("Invalid access token.")

    async def silent() -> AsyncIterator[list[dict[str, Any]]]:
        await asyncio.Event().wait()
        yield []

    async def run() -> list[bytes]:
        request = parse_request(CHAT, {**BODIES[CHAT], "stream": True})
        target = Target("openai", "m", BASE, "k")
        relay = StreamRelay("ep", Who("openai", "e"), ADAPTERS["openai"].stream(request, target), access)
        return [piece async for piece in relay.pieces(silent())]

    started = time.monotonic()
    pieces = LOOP.run_until_complete(asyncio.wait_for(run(), 5))
    assert time.monotonic() - started < 0.2 + ACCESS_CHECK_S + 0.3
    assert [json.loads(p[6:]) for p in pieces] == [
        {"error_code": "UNAUTHENTICATED", "message": "Invalid access token."}
    ]
