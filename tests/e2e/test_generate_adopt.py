"""Day 2: objects made by hand (plain HTTP calls, as a user's curl) come under management with
``pulumi-serving generate`` + ``pulumi up`` in a ``pulumi-serving new`` project, through the real Pulumi CLI,
without changing any object's configuration; the next preview has no changes."""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest
import yaml

from pulumi_serving.payloads.ownership import OWNER_TAG_KEY, is_marker_secret
from tests.support.payloads import chat_config
from tests.support.pulumi_stack import REPO_ROOT, python_program

pytestmark = pytest.mark.e2e

CLI = str(REPO_ROOT / ".venv" / "bin" / "pulumi-serving")
SCOPE, ENDPOINT = "team_keys", "bob-chat"
OPENAI_KEY = "sk-generate-5d21"


def _made_by_hand(server: Any, scope: str = SCOPE, endpoint: str = ENDPOINT) -> None:
    """What a user did with curl: a scope with two secrets and a grant, an endpoint with tags, a description,
    notifications, usage tracking, rate limits and a permission."""
    ref = f"{{{{secrets/{scope}/openai_api_key}}}}"
    bob = server.mint_token("bob@example.com")
    with server.client(bob) as api:
        for path, body in [
            ("/api/2.0/secrets/scopes/create", {"scope": scope}),
            ("/api/2.0/secrets/put", {"scope": scope, "key": "openai_api_key", "string_value": "sk-bob-1"}),
            ("/api/2.0/secrets/put", {"scope": scope, "key": "legacy_key", "string_value": "sk-bob-2"}),
            ("/api/2.0/secrets/acls/put", {"scope": scope, "principal": "ml-engineers", "permission": "READ"}),
            (
                "/api/2.0/serving-endpoints",
                {
                    "name": endpoint,
                    "config": chat_config(ref),
                    "tags": [{"key": "owner", "value": "bob"}, {"key": "team", "value": "ml"}],
                    "description": "bob's chat endpoint",
                    "email_notifications": {"on_update_failure": ["bob@example.com"]},
                    "ai_gateway": {
                        "usage_tracking_config": {"enabled": True},
                        "rate_limits": [
                            {"calls": 20, "key": "user", "renewal_period": "minute"},
                            {"tokens": 5000, "key": "endpoint", "renewal_period": "minute"},
                        ],
                    },
                },
            ),
        ]:
            api.post(path, json=body).raise_for_status()
        endpoint_id = api.get(f"/api/2.0/serving-endpoints/{endpoint}").json()["id"]
        grants = {"access_control_list": [{"group_name": "apps", "permission_level": "CAN_QUERY"}]}
        api.patch(f"/api/2.0/permissions/serving-endpoints/{endpoint_id}", json=grants).raise_for_status()


def _configuration(server: Any, scope: str = SCOPE, endpoint: str = ENDPOINT) -> dict[str, Any]:
    """Everything adopting must not change, read over the API (the ownership markers left out)."""
    with server.client() as api:
        body = api.get(f"/api/2.0/serving-endpoints/{endpoint}").json()
        permissions = api.get(f"/api/2.0/permissions/serving-endpoints/{body['id']}").json()
        acls = api.get("/api/2.0/secrets/acls/list", params={"scope": scope}).json()["items"]
        keys = api.get("/api/2.0/secrets/list", params={"scope": scope}).json()["secrets"]
    return {
        "config": body["config"],
        "tags": [t for t in body["tags"] if t["key"] != OWNER_TAG_KEY],
        "ai_gateway": body["ai_gateway"],
        "description": body["description"],
        "email_notifications": body["email_notifications"],
        "permissions": sorted(permissions["access_control_list"], key=str),
        "acls": sorted(acls, key=str),
        "secrets": sorted((k["key"], k["last_updated_timestamp"]) for k in keys if not is_marker_secret(k["key"])),
    }


def test_generate_then_up_takes_hand_made_objects_over_without_changing_them(
    pulumi_stack_factory, inprocess_live_server, tmp_path
):
    _made_by_hand(inprocess_live_server)
    before = _configuration(inprocess_live_server)
    assert before["config"]["config_version"] == 1

    project = tmp_path / "infra"
    subprocess.run(
        [CLI, "new", str(project), "--virtualenv", str(REPO_ROOT / ".venv"), "--dev-host", inprocess_live_server.url],
        check=True,
        capture_output=True,
        text=True,
    )
    stack_file = project / "stacks" / "Pulumi.dev.yaml"
    scaffolded = stack_file.read_text()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABRICKS_")}
    generate = subprocess.run(
        [CLI, "generate", "--endpoint", ENDPOINT, "--scope", SCOPE, "--stack-file", str(stack_file)],
        env={**env, "DATABRICKS_TOKEN": inprocess_live_server.admin_token},  # the host: the file's serving:host
        capture_output=True,
        text=True,
    )
    assert generate.returncode == 0, generate.stderr
    assert (
        f"declared {SCOPE}, {ENDPOINT} in {stack_file} (serving:stack_scopes, serving:stack_endpoints) with adopt: true"
        in generate.stderr
    )
    merged = stack_file.read_text()
    for line in scaffolded.splitlines():  # the scaffolded file is kept, comments included
        assert line in merged
    assert "# secrets kept as they are, not managed by this stack (values are write-only): legacy_key," in merged
    config = yaml.safe_load(merged)["config"]
    assert "serving:endpoints" not in config  # Pulumi.yaml's shared declarations stay in force for dev
    [endpoint] = config["serving:stack_endpoints"]
    assert endpoint["adopt"] is True
    assert endpoint["tags"] == [{"key": "owner", "value": "bob"}, {"key": "team", "value": "ml"}]
    assert endpoint["rate_limits"] == [
        {"renewal_period": "minute", "calls": 20, "key": "user"},
        {"renewal_period": "minute", "tokens": 5000, "key": "endpoint"},
    ]
    assert {"group_name": "apps", "permission_level": "CAN_QUERY"} in endpoint["permissions"]

    log = tmp_path / "calls.log"
    stack = pulumi_stack_factory(
        project,
        stack="dev",
        secrets={"serving:token": inprocess_live_server.admin_token, "serving:openai_api_key": OPENAI_KEY},
        env={"PULUMI_SERVING_CALL_LOG": str(log)},
    )
    # valid once the scaffold's secure values are set: the references to the adopted scope's secrets included
    valid = subprocess.run(
        [CLI, "validate", str(stack.workdir / "stacks" / "Pulumi.dev.yaml")], capture_output=True, text=True
    )
    assert valid.returncode == 0, valid.stderr
    stack.preview()  # as a reviewer sees it before the merge
    stack.up()
    # the scaffold's shared declarations (Pulumi.yaml) stay in force beside the adopted ones
    assert sorted(stack.outputs()["endpoint_names"]) == [ENDPOINT, "openai-completions-endpoint"]
    after = _configuration(inprocess_live_server)
    assert after == before  # same config version, tags, gateway, rate limits, permissions, grants, secrets
    with inprocess_live_server.client() as api:
        endpoint_id = api.get(f"/api/2.0/serving-endpoints/{ENDPOINT}").json()["id"]
    writes = [line for line in log.read_text().splitlines() if not line.startswith("GET ")]
    # The endpoint's only write is its marker tag: no config, gateway (rate limits) or permissions call.
    assert [w for w in writes if ENDPOINT in w or endpoint_id in w] == [
        f"PATCH /api/2.0/serving-endpoints/{ENDPOINT}/tags"
    ], writes
    with inprocess_live_server.client() as api:
        tags = api.get(f"/api/2.0/serving-endpoints/{ENDPOINT}").json()["tags"]
        keys = api.get("/api/2.0/secrets/list", params={"scope": SCOPE}).json()["secrets"]
    assert any(t["key"] == OWNER_TAG_KEY for t in tags)  # the ownership markers are there
    assert any(is_marker_secret(k["key"]) for k in keys)
    stack.preview(expect_no_changes=True)


def test_the_generated_python_program_adopts_them_without_changing_them(
    pulumi_stack_factory, inprocess_live_server, tmp_path
):
    scope, endpoint = "py_keys", "py-chat"
    _made_by_hand(inprocess_live_server, scope, endpoint)
    before = _configuration(inprocess_live_server, scope, endpoint)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABRICKS_")}
    generate = subprocess.run(
        [
            CLI,
            "generate",
            "--endpoint",
            endpoint,
            "--scope",
            scope,
            "--stack-file",
            str(tmp_path / "unused.yaml"),
            "--python",
        ],
        env={
            **env,
            "DATABRICKS_HOST": inprocess_live_server.url,
            "DATABRICKS_TOKEN": inprocess_live_server.admin_token,
        },
        capture_output=True,
        text=True,
    )
    assert generate.returncode == 0, generate.stderr
    assert not (tmp_path / "unused.yaml").exists()  # --python prints; it edits no file
    program = python_program(tmp_path, "adopted", generate.stdout)
    stack = pulumi_stack_factory(
        program,
        config={"serving:host": inprocess_live_server.url},
        secrets={"serving:token": inprocess_live_server.admin_token},
    )
    stack.preview()
    stack.up()
    assert _configuration(inprocess_live_server, scope, endpoint) == before
    stack.preview(expect_no_changes=True)
