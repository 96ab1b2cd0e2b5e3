"""The gateway over real HTTP uses secrets safely: a rotated key takes effect without a restart, querying needs
CAN_QUERY, and the server log holds no key and no prompt."""

from __future__ import annotations

import httpx

from tests.support.gateway import (
    CHAT,
    OPENAI_KEY,
    OPENAI_REF,
    PLAIN_KEY,
    PROMPT,
    ROTATED_KEY,
    SECRETS,
    create,
    last_key_hash,
    put_secret,
    query,
    sha,
)
from tests.support.payloads import entity
from tests.support.server import LiveServer


def test_secret_rotation_takes_effect_without_restart(
    gateway_admin: httpx.Client, fake_upstream_client: httpx.Client, gateway: LiveServer
) -> None:
    """Self-contained: its own scope, key and endpoint, so it neither needs nor disturbs another test's."""
    pid = gateway.pid
    put_secret(gateway_admin, "rotation_scope", "openai_api_key", OPENAI_KEY)
    create(
        gateway_admin,
        "rotation-ep",
        entity(
            "rot",
            "openai",
            "gpt-3.5-turbo-instruct",
            "llm/v1/completions",
            openai_api_key="{{secrets/rotation_scope/openai_api_key}}",
        ),
    )
    body = {"prompt": "hi"}
    assert query(gateway_admin, "rotation-ep", body).status_code == 200
    assert last_key_hash(fake_upstream_client, "openai") == sha(OPENAI_KEY)
    put = {"scope": "rotation_scope", "key": "openai_api_key", "string_value": ROTATED_KEY}
    assert gateway_admin.post("/api/2.0/secrets/put", json=put).status_code == 200
    assert query(gateway_admin, "rotation-ep", body).status_code == 200
    assert last_key_hash(fake_upstream_client, "openai") == sha(ROTATED_KEY)
    assert gateway.pid == pid and gateway.is_running()


def test_can_query_is_required(gateway_admin: httpx.Client, gateway: LiveServer) -> None:
    endpoint = create(
        gateway_admin, "acl-chat", entity("e", "openai", "gpt-4", "llm/v1/chat", openai_api_key_plaintext=PLAIN_KEY)
    )
    token = gateway.mint_token("alice@example.com")
    with gateway.client(token) as alice:
        r = query(alice, "acl-chat", CHAT)
        assert r.status_code == 403 and r.json()["error_code"] == "PERMISSION_DENIED"
        grant = {"access_control_list": [{"user_name": "alice@example.com", "permission_level": "CAN_QUERY"}]}
        patched = gateway_admin.patch(f"/api/2.0/permissions/serving-endpoints/{endpoint['id']}", json=grant)
        assert patched.status_code == 200
        assert query(alice, "acl-chat", CHAT).status_code == 200
        assert query(alice, "no-such-endpoint", CHAT).status_code == 404
    with httpx.Client(base_url=gateway.url) as anonymous:
        assert query(anonymous, "acl-chat", CHAT).status_code == 401


def test_server_log_holds_no_key_and_no_prompt(gateway: LiveServer, gateway_admin: httpx.Client) -> None:
    """Every gateway module's server log is checked the same way when its ``gateway`` fixture ends."""
    create(gateway_admin, "log-ep", entity("e", "openai", "gpt-3.5-turbo-instruct", "llm/v1/completions", **OPENAI_REF))
    assert query(gateway_admin, "log-ep", {"prompt": PROMPT}).status_code == 200
    assert query(gateway_admin, "no-such-endpoint-for-log", {"prompt": PROMPT}).status_code == 404
    assert gateway_admin.get("/api/2.0/serving-endpoints/log-ep").status_code == 200
    log = gateway.output()
    # the log is really captured: failed calls and control-plane requests are in the access log...
    assert '"POST /serving-endpoints/no-such-endpoint-for-log/invocations HTTP/1.1" 404' in log
    assert '"GET /api/2.0/serving-endpoints/log-ep HTTP/1.1" 200' in log
    # ...successful data-plane calls are not (their log line cost a tenth of the gateway's CPU per call)
    assert "POST /serving-endpoints/log-ep/invocations" not in log
    for secret in SECRETS:
        assert secret not in log
    assert "PROMPT-MARKER" not in log
