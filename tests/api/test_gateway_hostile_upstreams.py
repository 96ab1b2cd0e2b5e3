"""Upstreams can't break the gateway: wrong-shaped answers are 502 with a Databricks error body, streams honour
the upstream timeout (first event and idle) and end with an error event when broken, Retry-After is bounded,
and streams give their upstream connection back to the pool."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from contextlib import AbstractContextManager

import httpx
import pytest

from pulumi_serving.server.gateway.upstream.errors import MAX_RETRY_AFTER_S
from tests.support.hostile_upstream import RAW_ANSWERS, RAW_STREAMS, WRONG_SHAPES, running_hostile_upstream
from tests.support.inprocess import start_inprocess_server

from .test_server_cli import run_cli

TIMEOUT_S = 1.0


@pytest.fixture(scope="module")
def hostile():
    with running_hostile_upstream() as upstream:
        yield upstream


@pytest.fixture(scope="module")
def server(hostile, tmp_path_factory):
    live = start_inprocess_server(
        tmp_path_factory.mktemp("hostile") / "data",
        update_delay=0,
        upstreams=(f"openai={hostile.url}",),
        upstream_timeout_s=TIMEOUT_S,
    )
    try:
        yield live
    finally:
        live.stop()
    assert "Traceback" not in live.output() and "unhandled" not in live.output()


@pytest.fixture(scope="module")
def admin(server):
    with server.client(timeout=30) as client:
        yield client


def _endpoint(admin: httpx.Client, model: str) -> str:
    name = "h-" + hashlib.sha256(model.encode()).hexdigest()[:16]
    if admin.get(f"/api/2.0/serving-endpoints/{name}").status_code == 404:
        created = admin.post(
            "/api/2.0/serving-endpoints",
            json={
                "name": name,
                "config": {
                    "served_entities": [
                        {
                            "name": "e",
                            "external_model": {
                                "name": model,
                                "provider": "openai",
                                "task": "llm/v1/chat",
                                "openai_config": {"openai_api_key_plaintext": "sk-hostile"},
                            },
                        }
                    ]
                },
            },
        )
        assert created.status_code == 200, created.text
    return name


def _ask(admin: httpx.Client, model: str, **extra) -> httpx.Response:
    return admin.post(
        f"/serving-endpoints/{_endpoint(admin, model)}/invocations",
        json={"messages": [{"role": "user", "content": "hi"}], **extra},
    )


@pytest.mark.parametrize("index", range(len(WRONG_SHAPES)), ids=[json.dumps(s) for s in WRONG_SHAPES])
def test_a_wrongly_shaped_answer_is_a_502_with_a_databricks_error_body(admin, index):
    response = _ask(admin, f"shape-{index}")
    assert response.status_code == 502, response.text
    body = response.json()
    assert body["error_code"] == "INTERNAL_ERROR" and "served entity e" in body["message"].lower()


@pytest.mark.parametrize(
    "index", range(len(RAW_ANSWERS)), ids=["created-1e999", "usage-1e999", "bad-utf8", "lone-surrogate", "nan"]
)
def test_an_answer_whose_values_cannot_be_passed_on_is_a_502_not_a_500(admin, index):
    response = _ask(admin, f"answer-{index}")
    assert response.status_code == 502, response.text
    assert response.json()["error_code"] == "INTERNAL_ERROR"
    assert _ask(admin, "ok-stream", stream=True).status_code == 200  # and the server keeps serving


@pytest.mark.parametrize("index", range(len(RAW_STREAMS)), ids=["created-1e999", "usage-1e999", "bad-utf8"])
def test_a_stream_whose_values_cannot_be_passed_on_ends_with_an_error_event(admin, index):
    events, _ = _events(admin, f"raw-stream-{index}")
    assert "[DONE]" not in events
    assert json.loads(events[-1])["error_code"] == "INTERNAL_ERROR"


def _stream(admin: httpx.Client, name: str) -> AbstractContextManager[httpx.Response]:
    body = {"messages": [{"role": "user", "content": "hi"}], "stream": True}
    return admin.stream("POST", f"/serving-endpoints/{name}/invocations", json=body)


def _events(admin: httpx.Client, model: str) -> tuple[list[str], float]:
    start = time.monotonic()
    with _stream(admin, _endpoint(admin, model)) as response:
        assert response.status_code == 200
        events = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    return events, time.monotonic() - start


@pytest.mark.parametrize(
    "model, code",
    [
        ("garbage-stream", "INTERNAL_ERROR"),
        ("truncated-stream", "INTERNAL_ERROR"),
        ("drip-stream", "DEADLINE_EXCEEDED"),
        ("stall-stream", "DEADLINE_EXCEEDED"),
    ],
)
def test_a_broken_or_silent_stream_ends_with_an_error_event_not_done(admin, model, code):
    events, elapsed = _events(admin, model)
    assert "[DONE]" not in events
    error = json.loads(events[-1])
    assert error["error_code"] == code, error
    assert elapsed < TIMEOUT_S + 3  # the timeout bounds the first event and each next one


def test_an_upstream_retry_after_is_bounded(admin):
    for value in ("99999999999999999999", "inf", "nan", "-5", "Wed, 21 Oct 2015 07:28:00 GMT"):
        response = _ask(admin, f"retry-{value}")
        assert response.status_code == 429, response.text
        assert 1 <= int(response.headers["retry-after"]) <= MAX_RETRY_AFTER_S


def test_streams_reuse_the_upstream_connection(admin, hostile):
    _events(admin, "ok-stream")
    before = hostile.connections
    for _ in range(20):
        events, _ = _events(admin, "ok-stream")
        assert events[-1] == "[DONE]"
    assert hostile.connections - before <= 1


def test_a_client_that_leaves_a_stream_stops_the_upstream_read(admin, hostile):
    name = _endpoint(admin, "slow-stream")
    with _stream(admin, name) as response:
        assert response.status_code == 200
        next(response.iter_lines())
    deadline = time.monotonic() + 5
    while hostile.dropped == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert hostile.dropped == 1  # the gateway let go of the upstream long before its 30 s stream ended


def test_a_revoked_tokens_open_stream_ends_within_a_second_with_an_error_event(server, admin):
    name = _endpoint(admin, "slow-stream")  # an event every 0.1 s for 30 s
    token = server.mint_token("streamer@example.com", groups=("admins",))
    lines: list[tuple[float, str]] = []
    with server.client(token, timeout=30) as streamer:

        def read() -> None:
            with _stream(streamer, name) as response:
                lines.extend((time.monotonic(), line) for line in response.iter_lines() if line.startswith("data: "))

        reader = threading.Thread(target=read)
        reader.start()
        while len(lines) < 3 and reader.is_alive():
            time.sleep(0.05)
        revoked = run_cli("tokens", "revoke", "--data-dir", str(server.data_dir), "--user", "streamer@example.com")
        assert revoked.returncode == 0, revoked.stderr
        done_at = time.monotonic()
        reader.join(10)
    assert not reader.is_alive()
    ended_at, last = lines[-1]
    assert json.loads(last[6:])["error_code"] == "UNAUTHENTICATED"
    assert ended_at - done_at < 1.0
