"""The data plane's front door (the outermost ASGI callable) keeps every check of the app's layers: body
limits (413, declared or streamed), injected faults (before and after commit), Databricks error bodies,
CAN_QUERY, and the answer's headers; through the real server (in process) and the fake upstream."""

from __future__ import annotations

import pytest

from pulumi_serving.server.faults import FAULTS_PATH
from pulumi_serving.server.settings import DEFAULT_MAX_BODY_BYTES
from tests.support.gateway import create
from tests.support.inprocess import start_inprocess_server
from tests.support.payloads import entity

CHAT = {"messages": [{"role": "user", "content": "hi"}]}
PATH = "/serving-endpoints/ep/invocations"


@pytest.fixture(scope="module")
def server(fake_upstream, tmp_path_factory):
    live = start_inprocess_server(
        tmp_path_factory.mktemp("front") / "data", update_delay=0, upstreams=(f"openai={fake_upstream.url}",)
    )
    try:
        with live.client() as admin:
            create(
                admin, "ep", entity("gpt", "openai", "gpt-4o", "llm/v1/chat", openai_api_key_plaintext="sk-front-door")
            )
        yield live
    finally:
        live.stop()


@pytest.fixture()
def admin(server):
    with server.client() as client:
        yield client
        client.delete(FAULTS_PATH)


def test_a_call_answers_compact_json_with_its_headers(admin):
    answer = admin.post(PATH, json=CHAT)
    assert answer.status_code == 200 and answer.json()["object"] == "chat.completion"
    assert answer.headers["served-model-name"] == "gpt"
    assert answer.headers["content-type"] == "application/json"
    assert int(answer.headers["content-length"]) == len(answer.content)


def test_bodies_over_the_limit_are_refused_declared_or_streamed(admin):
    huge = b'{"messages": "' + b"x" * DEFAULT_MAX_BODY_BYTES + b'"}'
    refused = admin.post(PATH, content=huge)
    assert refused.status_code == 413 and refused.json()["error_code"] == "BAD_REQUEST"
    assert refused.headers["connection"] == "close"

    def chunks():
        for _ in range(DEFAULT_MAX_BODY_BYTES // 100_000 + 2):
            yield b"y" * 100_000

    assert admin.post(PATH, content=chunks()).status_code == 413
    assert admin.post(PATH, json=CHAT).status_code == 200  # still serving


def test_errors_are_databricks_bodies_and_callers_need_can_query(server, admin):
    assert admin.post(PATH, content=b"{not json").json()["error_code"] == "MALFORMED_REQUEST"
    missing = admin.post("/serving-endpoints/nope/invocations", json=CHAT)
    assert missing.status_code == 404 and missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    with server.client(server.mint_token("mallory")) as stranger:
        denied = stranger.post(PATH, json=CHAT)
    assert denied.status_code == 403 and denied.json()["error_code"] == "PERMISSION_DENIED"
    with server.client("dapi-not-a-token") as anonymous:
        assert anonymous.post(PATH, json=CHAT).status_code == 401


@pytest.mark.parametrize("after_commit", [False, True])
def test_injected_faults_answer_invocations(admin, after_commit):
    rule = {"status": 503, "path_prefix": "/serving-endpoints/", "method": "POST", "after_commit": after_commit}
    assert admin.post(FAULTS_PATH, json=rule).status_code == 200
    injected = admin.post(PATH, json=CHAT)
    assert injected.status_code == 503 and injected.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"
    assert injected.headers["retry-after"] == "1"
    assert admin.get(FAULTS_PATH).json()["faults"] == []
    assert admin.post(PATH, json=CHAT).status_code == 200
