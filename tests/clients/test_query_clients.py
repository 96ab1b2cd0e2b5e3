"""Querying like on Databricks: MLflow's deployments client, databricks-sdk 0.150.0 and the query/compare
CLI, unchanged, against the live local serving API backed by the fake upstream."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.gateway import ANTHROPIC_REF, OPENAI_REF, create, put_secret
from tests.support.inprocess import start_inprocess_server
from tests.support.payloads import entity

OPENAI_KEY = "sk-client-test-0a1b"
ANTHROPIC_KEY = "sk-ant-client-2c3d"
COMPARE = ("compare", "openai-completions-endpoint", "anthropic-completions-endpoint", "--prompt", "hi")


@pytest.fixture(scope="module")
def server(fake_upstream, tmp_path_factory):
    upstreams = (f"openai={fake_upstream.url}", f"anthropic={fake_upstream.url}")
    live = start_inprocess_server(tmp_path_factory.mktemp("clients") / "data", update_delay=0, upstreams=upstreams)
    try:
        with live.client() as admin:
            put_secret(admin, "my_openai_secret_scope", "openai_api_key", OPENAI_KEY)
            put_secret(admin, "my_anthropic_secret_scope", "anthropic_api_key", ANTHROPIC_KEY)
            create(
                admin,
                "openai-completions-endpoint",
                entity("openai-completions", "openai", "gpt-3.5-turbo-instruct", "llm/v1/completions", **OPENAI_REF),
            )
            create(
                admin,
                "anthropic-completions-endpoint",
                entity("claude-completions", "anthropic", "claude-2", "llm/v1/completions", **ANTHROPIC_REF),
            )
            create(admin, "openai-chat-endpoint", entity("gpt-4", "openai", "gpt-4", "llm/v1/chat", **OPENAI_REF))
        yield live
    finally:
        live.stop()


@pytest.fixture
def databricks_env(server, monkeypatch):
    monkeypatch.setenv("DATABRICKS_HOST", server.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", server.admin_token)
    monkeypatch.delenv("DATABRICKS_CONFIG_PROFILE", raising=False)
    return server


def test_mlflow_deployments_predict(databricks_env):
    from mlflow.deployments import get_deploy_client

    client = get_deploy_client("databricks")
    response = client.predict(
        endpoint="openai-completions-endpoint",
        inputs={"prompt": "What is Databricks?", "temperature": 0.1, "max_tokens": 64, "n": 2},
    )
    assert response["object"] == "text_completion"
    assert len(response["choices"]) == 2
    assert response["choices"][0]["text"].startswith("[openai/gpt-3.5-turbo-instruct]")
    assert response["usage"]["total_tokens"] > 0


def test_mlflow_predict_stream(databricks_env):
    from mlflow.deployments import get_deploy_client

    chunks = list(
        get_deploy_client("databricks").predict_stream(
            endpoint="openai-chat-endpoint", inputs={"messages": [{"role": "user", "content": "hi"}]}
        )
    )
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text.startswith("[openai/gpt-4]")


def test_databricks_sdk_query(server):
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.service.serving import ChatMessage, ChatMessageRole

    w = WorkspaceClient(host=server.url, token=server.admin_token, auth_type="pat")
    response = w.serving_endpoints.query(name="anthropic-completions-endpoint", prompt="Hello", max_tokens=32)
    assert response.served_model_name == "claude-completions"
    assert response.choices[0].text.startswith("[anthropic/claude-2]")
    assert response.usage.total_tokens > 0
    chat = w.serving_endpoints.query(
        name="openai-chat-endpoint", messages=[ChatMessage(role=ChatMessageRole.USER, content="hi")]
    )
    assert chat.choices[0].message.content.startswith("[openai/gpt-4]")


def _cli(server, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"DATABRICKS_HOST": server.url, "DATABRICKS_TOKEN": server.admin_token, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "pulumi_serving.cli.main", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_query_cli_prints_the_response(server):
    done = _cli(
        server,
        "query",
        "openai-completions-endpoint",
        "--prompt",
        "What is Databricks?",
        "--temperature",
        "0.1",
        "--max-tokens",
        "64",
        "-n",
        "2",
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["object"] == "text_completion" and len(body["choices"]) == 2
    chat = _cli(server, "query", "openai-chat-endpoint", "--prompt", "hi", "--text")
    assert chat.returncode == 0 and chat.stdout.startswith("[openai/gpt-4]")
    missing = _cli(server, "query", "nope", "--prompt", "hi")
    assert missing.returncode == 1 and "RESOURCE_DOES_NOT_EXIST" in missing.stderr


def test_compare_cli_side_by_side(server):
    done = _cli(
        server,
        "compare",
        "openai-completions-endpoint",
        "anthropic-completions-endpoint",
        "--prompt",
        "What is Databricks?",
        "--max-tokens",
        "64",
        "--width",
        "120",
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "openai-completions-endpoint" in lines[0] and "anthropic-completions-endpoint" in lines[0]
    assert "served: openai-completions" in lines[1] and "served: claude-completions" in lines[1]
    assert "latency:" in lines[2] and "tokens:" in lines[3]
    assert "[openai/gpt-3.5-turbo-instruct]" in lines[5] and "[anthropic/claude-2]" in lines[5]
    as_json = json.loads(_cli(server, *COMPARE, "--json").stdout)
    texts = [a["response"]["choices"][0]["text"] for a in as_json]
    assert texts[0] != texts[1]


def _cli_with_config(server, tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "databrickscfg"
    config.write_text(
        f"[DEFAULT]\nhost = http://127.0.0.1:9\ntoken = wrong-token\n\n"
        f"[local]\nhost = {server.url}\ntoken = {server.admin_token}\n"
    )
    full_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DATABRICKS_CONFIG_FILE": str(config), **env}
    return subprocess.run(
        [sys.executable, "-m", "pulumi_serving.cli.main", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
    )


def test_query_cli_reads_a_databrickscfg_profile(server, tmp_path):
    done = _cli_with_config(
        server, tmp_path, "query", "openai-chat-endpoint", "--prompt", "hi", "--text", "--profile", "local"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("[openai/gpt-4]")


def test_compare_cli_reads_the_profile_named_in_the_environment(server, tmp_path):
    done = _cli_with_config(server, tmp_path, *COMPARE, "--json", DATABRICKS_CONFIG_PROFILE="local")
    assert done.returncode == 0, done.stderr
    assert [a["status"] for a in json.loads(done.stdout)] == [200, 200]


def test_query_cli_names_a_missing_profile_in_one_line(server, tmp_path):
    done = _cli_with_config(server, tmp_path, "query", "openai-chat-endpoint", "--prompt", "hi", "--profile", "nope")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "nope" in done.stderr
