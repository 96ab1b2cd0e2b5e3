"""The serving API client against the real local server: errors, retries, waiter, credential resolution."""

from __future__ import annotations

import os

import pytest

from pulumi_serving.client import (
    AlreadyExists,
    CallCounter,
    NotFound,
    RetryPolicy,
    Unauthenticated,
    WaitTimeout,
    connect,
    resolve_credentials,
    wait_not_updating,
)
from pulumi_serving.client.errors import parse_retry_after
from tests.support.payloads import openai_entity

ENTITY = openai_entity("main", {"openai_api_key_plaintext": "sk-client-test"})


@pytest.fixture
def server(inprocess_server_factory):
    return inprocess_server_factory(update_delay=1)


def test_error_hierarchy_maps_databricks_bodies(server) -> None:
    client = connect(server.url, server.admin_token)
    with pytest.raises(NotFound) as missing:
        client.get_endpoint("nope")
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST" and missing.value.status == 404
    client.create_scope("dup")
    with pytest.raises(AlreadyExists):
        client.create_scope("dup")
    with pytest.raises(Unauthenticated):
        connect(server.url, "wrong-token").list_scopes()


def test_update_in_progress_conflict_is_retried_and_waiter_reports_progress(server) -> None:
    retries: list[str] = []
    counter = CallCounter()
    client = connect(server.url, server.admin_token, counter=counter)
    client.transport._on_retry = retries.append
    client.create_endpoint({"name": "busy", "config": {"served_entities": [ENTITY]}})
    updated = client.update_config("busy", {"served_entities": [{**ENTITY, "name": "second"}]})
    assert retries and "409" in retries[0]
    assert updated["name"] == "busy"
    lines: list[str] = []
    ready = wait_not_updating(client, "busy", timeout=30, progress=lines.append)
    assert ready["state"]["config_update"] == "NOT_UPDATING"
    assert ready["config"]["served_entities"][0]["name"] == "second"
    assert any("waiting for endpoint 'busy'" in line for line in lines)
    assert counter.writes == 2 + len(retries)  # one create, one PUT per attempt
    assert all("sk-client-test" not in line for line in lines + retries)


def test_waiter_times_out_with_a_clear_message(server) -> None:
    client = connect(server.url, server.admin_token)
    client.create_endpoint({"name": "slow", "config": {"served_entities": [ENTITY]}})
    with pytest.raises(WaitTimeout, match=r"still updating \(config_update IN_PROGRESS\).*resumes"):
        wait_not_updating(client, "slow", timeout=0.2, progress=lambda _: None)


def test_retry_after_parsing_and_backoff_bounds() -> None:
    assert parse_retry_after("3") == 3.0 and parse_retry_after("soon") is None and parse_retry_after(None) is None
    policy = RetryPolicy(base_delay=1, max_delay=4)
    assert all(0.5 <= policy.backoff(0) <= 1 and policy.backoff(10) <= 4 for _ in range(20))


def test_credentials_from_env_and_profile(server, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", server.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", server.admin_token)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "none.cfg"))
    assert connect().list_scopes() == []
    monkeypatch.delenv("DATABRICKS_HOST")
    monkeypatch.delenv("DATABRICKS_TOKEN")
    profile = tmp_path / "databrickscfg"
    profile.write_text(f"[local]\nhost = {server.url}\ntoken = {server.admin_token}\n")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(profile))
    credentials = resolve_credentials(profile="local")
    assert credentials.host == server.url and server.admin_token not in repr(credentials)
    assert connect(profile="local").list_scopes() == []


def test_an_explicit_host_with_databricks_token_is_a_pat_without_the_sdk_probe(monkeypatch):
    import databricks.sdk.config

    from pulumi_serving.client.auth import resolve_credentials

    def no_probe(*args, **kwargs):
        raise AssertionError("the SDK's Config (and its host-metadata probe) was used")

    monkeypatch.setattr(databricks.sdk.config, "Config", no_probe)
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-env")
    monkeypatch.delenv("DATABRICKS_CONFIG_PROFILE", raising=False)
    credentials = resolve_credentials(host="http://127.0.0.1:9")
    assert credentials.host == "http://127.0.0.1:9" and credentials.headers() == {"Authorization": "Bearer dapi-env"}
    with pytest.raises(AssertionError, match="Config"):  # a profile is resolved the Databricks way
        resolve_credentials(host="http://127.0.0.1:9", profile="dev")


def test_databricks_host_and_token_alone_in_the_environment_are_a_pat_without_the_sdk(monkeypatch):
    import databricks.sdk.config

    from pulumi_serving.client.auth import resolve_credentials

    def sdk_config(*args, **kwargs):
        raise AssertionError("the SDK's Config was used")

    monkeypatch.setattr(databricks.sdk.config, "Config", sdk_config)
    for name in [n for n in os.environ if n.startswith(("DATABRICKS_", "ARM_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DATABRICKS_HOST", "workspace.example.com/")
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-env")
    credentials = resolve_credentials()
    assert credentials.host == "https://workspace.example.com"
    assert credentials.headers() == {"Authorization": "Bearer dapi-env"}
    # A variable of another auth method (or a profile) leaves the choice, and any conflict, to the SDK.
    for name, value in (
        ("DATABRICKS_CLIENT_ID", "sp-id"),
        ("DATABRICKS_CONFIG_PROFILE", "dev"),
        ("ARM_CLIENT_ID", "x"),
    ):
        with monkeypatch.context() as scoped:
            scoped.setenv(name, value)
            with pytest.raises(AssertionError, match="Config"):
                resolve_credentials()


def test_a_plain_http_host_gets_a_context_that_reads_no_ca_bundle_and_trusts_nothing() -> None:
    import ssl

    from pulumi_serving.client.tls import context_for, verifying_context

    for url in ("https://example.cloud.databricks.com", "HTTPS://example.cloud.databricks.com"):
        assert context_for(url) is verifying_context()
    plain = context_for("http://127.0.0.1:8080")
    assert plain is not verifying_context() and plain is context_for("HTTP://localhost:1")
    assert plain.verify_mode is ssl.CERT_REQUIRED and plain.check_hostname
    assert plain.cert_store_stats()["x509_ca"] == 0
