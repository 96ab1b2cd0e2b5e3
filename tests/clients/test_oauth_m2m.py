"""The provider authenticates as a service principal with OAuth M2M (no long-lived token), as CI does with
DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET: the real databricks-sdk discovers the workspace's OIDC token
endpoint and runs the client-credentials grant, here against the fake Databricks OIDC of the fake upstream."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from pulumi_serving.client import resolve_credentials
from pulumi_serving.fake_upstream.databricks_oidc_wire import access_token_for
from pulumi_serving.fake_upstream.process import running_fake_upstream

CLIENT_ID = "ci-service-principal"
CLIENT_SECRET = "dose-m2m-secret-7c1f"


def test_service_principal_oauth_m2m_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATABRICKS_TOKEN", "DATABRICKS_CONFIG_PROFILE", "DATABRICKS_AUTH_TYPE", "DATABRICKS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.databrickscfg
    with running_fake_upstream() as fake:
        monkeypatch.setenv("DATABRICKS_HOST", fake.url)
        monkeypatch.setenv("DATABRICKS_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", CLIENT_SECRET)

        credentials = resolve_credentials()  # what the provider's configure does without serving:host/token

        assert credentials.host == fake.url
        assert credentials.headers() == {"Authorization": f"Bearer {access_token_for(CLIENT_ID, CLIENT_SECRET)}"}
        assert CLIENT_SECRET not in repr(credentials)
        tokens = [
            r
            for r in httpx.get(f"{fake.url}/_control/requests").json()["requests"]
            if r["provider"] == "databricks-oidc"
        ]
        assert [(r["operation"], r["model"], r["status"]) for r in tokens] == [("token", CLIENT_ID, 200)]
        assert CLIENT_SECRET not in str(tokens)
