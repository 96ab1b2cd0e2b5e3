"""Hostile bodies on the data plane over real HTTP: whatever is sent to the invocation paths and the
OpenAI-compatible aliases, the answer is below 500 and errors are Databricks error bodies.

The real server (in process: ``serve``'s app, front door and HTTP protocol) fronts the fake upstream, so
bodies that pass validation really go upstream.
"""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.gateway import create
from tests.support.inprocess import start_inprocess_server
from tests.support.payloads import entity

ENDPOINTS = {
    "bad-in-completions": "llm/v1/completions",
    "bad-in-chat": "llm/v1/chat",
    "bad-in-embeddings": "llm/v1/embeddings",
}
FIELDS = (
    "prompt",
    "messages",
    "input",
    "max_tokens",
    "temperature",
    "n",
    "stop",
    "stream",
    "extra_params",
    "usage_context",
    "model",
)
EXAMPLES = 120


@pytest.fixture(scope="module")
def server(fake_upstream, tmp_path_factory):
    live = start_inprocess_server(
        tmp_path_factory.mktemp("bad-input") / "data",
        update_delay=0,
        upstreams=(f"openai={fake_upstream.url}",),
        upstream_timeout_s=5,
    )
    try:
        with live.client() as admin:
            for name, task in ENDPOINTS.items():
                create(admin, name, entity("e", "openai", "gpt-4", task, openai_api_key_plaintext="sk-bad-input-test"))
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def admin(server):
    with server.client(timeout=30) as client:
        yield client


def _paths() -> list[str]:
    paths = [f"/serving-endpoints/{name}/invocations" for name in ENDPOINTS]
    paths += [f"/serving-endpoints/{name}/served-models/e/invocations" for name in ENDPOINTS]
    return paths + [f"/serving-endpoints/{alias}" for alias in ("completions", "chat/completions", "embeddings")]


PATHS = _paths()
texts = st.text(max_size=20) | st.text(st.sampled_from(["a", " ", "\u00e9", "\ud800", "\udfff"]), max_size=4)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
messages = st.lists(
    st.fixed_dictionaries({"role": st.sampled_from(["user", "system", "assistant", "robot"]), "content": json_values}),
    max_size=3,
)
field_values = st.one_of(json_values, messages, st.sampled_from(list(ENDPOINTS)))
query_bodies = st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=5).map(
    lambda body: json.dumps(body).encode()
)
nested = st.tuples(st.sampled_from(["[", '{"a":', '{"prompt":']), st.integers(1, 200_000), st.booleans()).map(
    lambda t: (t[0] * t[1] + ("]" * t[1] if t[2] and t[0] == "[" else "")).encode()
)
bodies = st.one_of(st.binary(max_size=300), json_values.map(lambda v: json.dumps(v).encode()), nested, query_bodies)


def _assert_databricks_answer(response: httpx.Response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body.get("error_code"), str) and body["error_code"], what
        assert isinstance(body.get("message"), str) and body["message"], what


def test_no_body_yields_a_server_error(admin):
    seen: set[int] = set()

    @given(path=st.sampled_from(PATHS), body=bodies)
    @settings(
        max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(path: str, body: bytes) -> None:
        response = admin.post(path, content=body)
        seen.add(response.status_code)
        _assert_databricks_answer(response, f"POST {path} {body[:80]!r}")

    run()
    assert 400 in seen


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b'{"prompt":' * 100_000, b"[" * 3000 + b"]" * 3000],
    ids=["open-arrays", "open-objects", "closed-arrays"],
)
def test_over_nested_json_is_malformed(admin, path, body):
    response = admin.post(path, content=body)
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "MALFORMED_REQUEST"
    assert "nested too deeply" in response.json()["message"]


def test_server_keeps_serving(admin):
    admin.post("/serving-endpoints/bad-in-chat/invocations", content=b"[" * 100_000)
    response = admin.post(
        "/serving-endpoints/bad-in-chat/invocations", json={"messages": [{"role": "user", "content": "hi"}]}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "endpoint, body, field",
    [
        ("bad-in-completions", {"prompt": "\ud800"}, "prompt"),
        ("bad-in-completions", {"prompt": ["ok", "x\udfff"]}, "prompt[1]"),
        ("bad-in-completions", {"prompt": "ok", "stop": ["\ud800"]}, "stop[0]"),
        (
            "bad-in-chat",
            {"messages": [{"role": "user", "content": "ok"}, {"role": "user", "content": "\ud800"}]},
            "messages[1].content",
        ),
        ("bad-in-embeddings", {"input": "\udc00 tail"}, "input"),
        ("bad-in-embeddings", {"input": ["a", "b", "\ud800"]}, "input[2]"),
    ],
)
def test_lone_surrogates_are_refused_naming_the_field(admin, endpoint, body, field):
    response = admin.post(f"/serving-endpoints/{endpoint}/invocations", content=json.dumps(body).encode())
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert response.json()["message"] == f"{field}: text is not valid Unicode (lone surrogate escape)"


def test_raw_surrogate_bytes_are_refused(admin):
    response = admin.post(
        "/serving-endpoints/chat/completions",
        content=b'{"model": "bad-in-chat", "messages": [{"role": "user", "content": "\xed\xa0\x80"}]}',
    )
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith("messages[0].content: text is not valid Unicode")
