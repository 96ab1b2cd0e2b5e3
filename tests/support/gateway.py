"""The gateway over real HTTP for the gateway test modules: the real ``serve`` with the openai, anthropic, cohere and
entra upstreams pointed at the fake upstream, the provider keys it holds, and endpoint and query builders.

The ``gateway``/``gateway_admin`` fixtures in ``tests/support/fixtures.py`` start one such server per test module
(``inprocess_gateway``/``inprocess_gateway_admin``: the same server in a thread of the test process).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from . import payloads
from .inprocess import InProcessServer, start_inprocess_server
from .server import LiveServer, start_server

PROMPT = "PROMPT-MARKER-7f3a What is Databricks?"
OPENAI_KEY = "sk-test-openai-5b1e"
ROTATED_KEY = "sk-rotated-openai-c9d2"
PLAIN_KEY = "sk-plaintext-8e21"
ANTHROPIC_KEY = "sk-ant-test-44aa"
COHERE_KEY = "co-test-91bc"
ENTRA_SECRET = "entra-secret-77de"
SECRETS = (OPENAI_KEY, ROTATED_KEY, PLAIN_KEY, ANTHROPIC_KEY, COHERE_KEY, ENTRA_SECRET)
SEEDED = (
    ("my_openai_secret_scope", "openai_api_key", OPENAI_KEY),
    ("my_anthropic_secret_scope", "anthropic_api_key", ANTHROPIC_KEY),
    ("cohere_scope", "key", COHERE_KEY),
    ("entra_scope", "secret", ENTRA_SECRET),
)
OPENAI_REF = {"openai_api_key": payloads.OPENAI_REF}
ANTHROPIC_REF = {"anthropic_api_key": "{{secrets/my_anthropic_secret_scope/anthropic_api_key}}"}
COHERE_REF = {"cohere_api_key": "{{secrets/cohere_scope/key}}"}
CHAT = {"messages": [{"role": "user", "content": "hi"}]}


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def upstream_args(upstreams: Iterable[str]) -> list[str]:
    """``serve``'s command-line flags for ``PROVIDER=URL`` upstreams (``Settings.upstreams`` in process)."""
    return [arg for upstream in upstreams for arg in ("--upstream", upstream)]


def start_gateway(data_dir: Path, upstream_url: str, *, inprocess: bool = False) -> LiveServer | InProcessServer:
    """A started server whose four upstreams are ``upstream_url`` (1 s timeout), holding the ``SEEDED`` secrets:
    a ``serve`` subprocess, or with ``inprocess`` the same server in a thread of the test process."""
    upstreams = tuple(f"{p}={upstream_url}" for p in ("openai", "anthropic", "cohere", "entra"))
    live: LiveServer | InProcessServer
    if inprocess:
        live = start_inprocess_server(data_dir, update_delay=0, upstreams=upstreams, upstream_timeout_s=1)
    else:
        live = start_server(data_dir, update_delay=0, extra_args=[*upstream_args(upstreams), "--upstream-timeout", "1"])
    with live.client() as client:
        for scope, key, value in SEEDED:
            put_secret(client, scope, key, value)
    return live


def put_secret(client: httpx.Client, scope: str, key: str, value: str) -> None:
    """Create ``scope`` (it must not exist yet) and put ``key`` in it."""
    assert client.post("/api/2.0/secrets/scopes/create", json={"scope": scope}).status_code == 200
    put = client.post("/api/2.0/secrets/put", json={"scope": scope, "key": key, "string_value": value})
    assert put.status_code == 200, put.text


def create(
    admin: httpx.Client,
    name: str,
    *entities: dict[str, Any],
    routes: Iterable[tuple[str, int]] = (),
    ai_gateway: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "config": {"served_entities": list(entities)}}
    if routes:
        body["config"]["traffic_config"] = {
            "routes": [{"served_entity_name": n, "traffic_percentage": p} for n, p in routes]
        }
    if ai_gateway:
        body["ai_gateway"] = ai_gateway
    response = admin.post("/api/2.0/serving-endpoints", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def query(client: httpx.Client, endpoint: str, body: dict[str, Any]) -> httpx.Response:
    return client.post(f"/serving-endpoints/{endpoint}/invocations", json=body)


def stream(client: httpx.Client, endpoint: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of a streamed query (asserting an event stream that ends with ``[DONE]``)."""
    with client.stream("POST", f"/serving-endpoints/{endpoint}/invocations", json={**body, "stream": True}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    return [json.loads(line[6:]) for line in lines[:-1]]


def last_key_hash(fake_client: httpx.Client, provider: str) -> str:
    """SHA-256 of the key the fake upstream last received for ``provider``."""
    records = [r for r in fake_client.get("/_control/requests").json()["requests"] if r["provider"] == provider]
    return records[-1]["key_sha256"]


def wait_for_fresh_window(margin_s: float = 6.0) -> None:
    """Sleep into the next minute when fewer than ``margin_s`` seconds of this one are left (per-minute limits)."""
    left = 60 - time.time() % 60
    if left < margin_s:
        time.sleep(left + 0.05)
