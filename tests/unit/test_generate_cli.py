"""``pulumi-serving generate`` against the real local serving API (in process): ``--all`` picks what no stack
manages, an object the stack file already declares is left alone, and expected failures are one line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pulumi_serving.cli.main import main
from pulumi_serving.payloads.ownership import OWNER_TAG_KEY

ENTITY = {
    "name": "gpt",
    "external_model": {
        "name": "gpt-4o-mini",
        "provider": "openai",
        "task": "llm/v1/chat",
        "openai_config": {"openai_api_key": "{{secrets/hand_keys/k}}"},
    },
}


@pytest.fixture
def server(inprocess_server_factory):
    server = inprocess_server_factory()
    with server.client() as api:
        for path, body in [
            ("/api/2.0/secrets/scopes/create", {"scope": "hand_keys"}),
            ("/api/2.0/secrets/put", {"scope": "hand_keys", "key": "k", "string_value": "sk-x"}),
            ("/api/2.0/serving-endpoints", {"name": "hand-chat", "config": {"served_entities": [ENTITY]}}),
            (
                "/api/2.0/serving-endpoints",
                {
                    "name": "owned-chat",
                    "config": {"served_entities": [ENTITY]},
                    "tags": [{"key": OWNER_TAG_KEY, "value": "infra/dev/ServingEndpoint/owned-chat"}],
                },
            ),
        ]:
            api.post(path, json=body).raise_for_status()
    return server


@pytest.fixture
def token_env(monkeypatch, server):
    for name in ("DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_CONFIG_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABRICKS_TOKEN", server.admin_token)


def test_all_declares_what_no_stack_manages_and_skips_the_rest(server, token_env, tmp_path: Path, capsys) -> None:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    assert main(["generate", "--all", "--stack-file", str(stack_file), "--host", server.url]) == 0
    err = capsys.readouterr().err
    assert "owned-chat: already managed by the stack resource infra/dev/ServingEndpoint/owned-chat, skipped" in err
    config = yaml.safe_load(stack_file.read_text())["config"]
    assert [e["name"] for e in config["serving:endpoints"]] == ["hand-chat"]
    assert [s["scope"] for s in config["serving:scopes"]] == ["hand_keys"]
    before = stack_file.read_text()
    assert main(["generate", "--endpoint", "hand-chat", "--stack-file", str(stack_file), "--host", server.url]) == 0
    assert "hand-chat: already declared for this stack" in capsys.readouterr().err
    assert stack_file.read_text() == before


def test_expected_failures_are_one_line_naming_what_to_check(server, token_env, tmp_path, capsys, monkeypatch):
    stack_file = str(tmp_path / "Pulumi.dev.yaml")
    cases = {
        ("--endpoint", "missing-chat", "--host", server.url): "no serving endpoint named 'missing-chat'",
        ("--endpoint", "hand-chat", "--host", "http://127.0.0.1:9"): "cannot reach the serving API",
        ("--host", server.url): "name objects with --endpoint NAME / --scope NAME, or pass --all",
    }
    for args, expected in cases.items():
        assert main(["generate", *args, "--stack-file", stack_file]) == 1
        err = capsys.readouterr().err
        assert expected in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    monkeypatch.setenv("DATABRICKS_TOKEN", "not-a-token")
    assert main(["generate", "--all", "--stack-file", stack_file, "--host", server.url]) == 1
    err = capsys.readouterr().err
    assert "refused the credentials" in err and len(err.strip().splitlines()) == 1, err
    assert not Path(stack_file).exists()  # nothing written on failure
