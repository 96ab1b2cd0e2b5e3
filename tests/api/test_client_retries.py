"""The real serving client against a live server with injected faults: transient errors are retried
(honouring Retry-After) until the faults are used up; a 400 fails at once; retries are bounded."""

from __future__ import annotations

import time

import pytest

from pulumi_serving.client import BadRequest, CallCounter, RateLimited, RetryPolicy, ServingClient, connect
from pulumi_serving.server.faults import FAULTS_PATH
from tests.support.payloads import openai_entity

SECRET_VALUE = "sk-retry-secret-value-5f1c"
ENTITY = openai_entity("main", {"openai_api_key_plaintext": "sk-plain-retry"})


pytestmark = pytest.mark.usefixtures("no_inprocess_faults_left")


def inject(server, **rule) -> None:
    with server.client() as admin:
        admin.post(FAULTS_PATH, json=rule).raise_for_status()


def armed(server) -> list[dict]:
    with server.client() as admin:
        return admin.get(FAULTS_PATH).json()["faults"]


def client_for(server, lines: list[str], counter: CallCounter | None = None, **retry) -> ServingClient:
    policy = RetryPolicy(**retry) if retry else None
    return connect(server.url, server.admin_token, on_retry=lines.append, counter=counter, retry=policy)


def test_429_waits_for_retry_after_then_succeeds(inprocess_live_server) -> None:
    inject(inprocess_live_server, status=429, count=1, retry_after=2, method="POST", path_prefix="/api/2.0/secrets/put")
    lines: list[str] = []
    client = client_for(inprocess_live_server, lines)
    client.create_scope("retry_429")
    started = time.monotonic()
    client.put_secret("retry_429", "key", string_value=SECRET_VALUE)
    elapsed = time.monotonic() - started
    assert elapsed >= 2.0, f"Retry-After 2 s not honoured: the call took {elapsed:.2f}s"
    assert len(lines) == 1 and "429 REQUEST_LIMIT_EXCEEDED" in lines[0] and "retrying in 2.0s" in lines[0]
    assert SECRET_VALUE not in lines[0] and inprocess_live_server.admin_token not in lines[0]
    assert [s["key"] for s in client.list_secrets("retry_429")] == ["key"]
    assert armed(inprocess_live_server) == []


def test_503_and_5xx_are_retried_until_the_faults_are_used_up(inprocess_live_server) -> None:
    inject(
        inprocess_live_server, status=503, count=2, retry_after=0, method="GET", path_prefix="/api/2.0/secrets/scopes"
    )
    inject(inprocess_live_server, status=502, count=1, method="GET", path_prefix="/api/2.0/secrets/scopes")
    inject(inprocess_live_server, status=500, count=1, method="GET", path_prefix="/api/2.0/secrets/scopes")
    lines: list[str] = []
    counter = CallCounter()
    client = client_for(inprocess_live_server, lines, counter)
    client.create_scope("retry_5xx")
    assert "retry_5xx" in [s["name"] for s in client.list_scopes()]
    assert [line.split(": ")[1].split()[0] for line in lines] == ["503", "503", "502", "500"]
    assert counter.reads == 5
    assert armed(inprocess_live_server) == []


def test_409_update_in_progress_is_retried_and_the_update_lands(inprocess_live_server) -> None:
    lines: list[str] = []
    client = client_for(inprocess_live_server, lines)
    client.create_endpoint({"name": "retry-409", "config": {"served_entities": [ENTITY]}})
    inject(
        inprocess_live_server,
        status=409,
        count=2,
        method="PUT",
        path_prefix="/api/2.0/serving-endpoints/retry-409/config",
    )
    client.update_config("retry-409", {"served_entities": [{**ENTITY, "name": "second"}]})
    assert len(lines) == 2 and all("409 RESOURCE_CONFLICT" in line and "currently updating" in line for line in lines)
    live = client.get_endpoint("retry-409")
    target = live.get("pending_config") or live["config"]
    assert [e["name"] for e in target["served_entities"]] == ["second"]
    assert "sk-plain-retry" not in "".join(lines)
    client.delete_endpoint("retry-409")


def test_400_fails_at_once_with_a_clear_message(inprocess_live_server) -> None:
    lines: list[str] = []
    counter = CallCounter()
    client = client_for(inprocess_live_server, lines, counter)
    started = time.monotonic()
    with pytest.raises(BadRequest) as caught:
        client.create_endpoint({"name": "bad name!", "config": {"served_entities": [ENTITY]}})
    assert time.monotonic() - started < 1.0
    assert counter.writes == 1 and lines == []
    assert caught.value.status == 400 and caught.value.error_code == "INVALID_PARAMETER_VALUE"
    assert str(caught.value).startswith("POST /api/2.0/serving-endpoints: 400 INVALID_PARAMETER_VALUE: name")


def test_retries_are_bounded(inprocess_live_server) -> None:
    inject(
        inprocess_live_server,
        status=429,
        count=5,
        retry_after=0,
        method="GET",
        path_prefix="/api/2.0/serving-endpoints",
    )
    lines: list[str] = []
    client = client_for(inprocess_live_server, lines, attempts=3)
    with pytest.raises(RateLimited) as caught:
        client.get_endpoint("any-endpoint")
    assert caught.value.retry_after == 0 and len(lines) == 2
    assert armed(inprocess_live_server)[0]["remaining"] == 2
