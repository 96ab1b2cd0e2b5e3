"""Authentication: no token or a wrong one is 401 everywhere; tokens map to principals."""

from __future__ import annotations

import httpx
import pytest

from tests.support.payloads import error

PROTECTED = [
    ("GET", "/api/2.0/serving-endpoints"),
    ("POST", "/api/2.0/serving-endpoints"),
    ("GET", "/api/2.0/serving-endpoints/x"),
    ("PUT", "/api/2.0/serving-endpoints/x/config"),
    ("PUT", "/api/2.0/serving-endpoints/x/ai-gateway"),
    ("GET", "/api/2.0/secrets/scopes/list"),
    ("POST", "/api/2.0/secrets/put"),
    ("GET", "/api/2.0/permissions/serving-endpoints/abc"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize("auth", [None, "Bearer wrong-token", "Basic YWRtaW46YWRtaW4=", "Bearer"])
def test_missing_or_wrong_credentials_are_401(inprocess_live_server, method, path, auth):
    headers = {"Authorization": auth} if auth else {}
    response = httpx.request(method, inprocess_live_server.url + path, headers=headers, json={})
    assert error(response)[:2] == (401, "UNAUTHENTICATED")


def test_well_known_config_needs_no_token(inprocess_live_server):
    assert (
        httpx.get(f"{inprocess_live_server.url}/.well-known/databricks-config").json()["workspace_id"] == "1234567890"
    )


def test_admin_token_file_is_private_and_minted_tokens_work(inprocess_live_server):
    assert (inprocess_live_server.data_dir / "admin-token").stat().st_mode & 0o777 == 0o600
    assert (inprocess_live_server.data_dir / "secret.key").stat().st_mode & 0o777 == 0o600
    token = inprocess_live_server.mint_token("dana", groups=["ml", "ops"])
    assert token.startswith("dapi") and len(token) > 30
    with inprocess_live_server.client(token) as client:
        created = client.post("/api/2.0/serving-endpoints", json={"name": "dana-ep"}).json()
    assert created["creator"] == "dana"
    assert (
        token not in inprocess_live_server.output()
        and inprocess_live_server.admin_token not in inprocess_live_server.output()
    )


def test_admin_token_from_option_and_environment(server_factory):
    explicit = server_factory(admin_token="explicit-admin-token-123")
    with explicit.client("explicit-admin-token-123") as client:
        assert client.get("/api/2.0/serving-endpoints").status_code == 200
    assert not (explicit.data_dir / "admin-token").exists()
    assert "explicit-admin-token-123" not in explicit.output()
    from_env = server_factory(env={"PULUMI_SERVING_ADMIN_TOKEN": "env-admin-token-456"})
    assert "$PULUMI_SERVING_ADMIN_TOKEN" in from_env.output()
    with httpx.Client(base_url=from_env.url, headers={"Authorization": "Bearer env-admin-token-456"}) as client:
        assert client.get("/api/2.0/secrets/scopes/list").status_code == 200
