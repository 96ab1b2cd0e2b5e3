"""Plans and errors a reviewer reads at a glance, through the real Pulumi CLI (issue 19):

- a refused token fails preview with one line naming ``serving:token``, and no traceback (the program process,
  interrupted by the engine, used to print its KeyboardInterrupt tracebacks);
- tags given as a mapping apply; after a refresh, one changed tag shows as that tag changing (by key); the
  hidden options (owner, known_secrets, adopt) and the server-filled route never show; EndpointsReady shows no
  change when only tags change; the planner's lines are diagnostics in ``pulumi preview``'s stdout;
- an ``adopt`` preview shows the field changes against the live endpoint and the ownership marker it adds.
"""

from __future__ import annotations

import re

import pytest

from tests.support.payloads import create_body, entity
from tests.support.pulumi_stack import python_program
from tests.support.stack_program import step_line

pytestmark = pytest.mark.e2e

PROGRAM = """
import pulumi
from pulumi_serving import ServingEndpoint, SecretScope, Secret

config = pulumi.Config()
scope = SecretScope("keys", scope="plan_keys")
key = Secret("key", scope=scope.scope, key="openai", string_value=config.require_secret("openaiKey"))
ServingEndpoint(
    "ep",
    endpoint_name="plan-ep",
    tags=config.get_object("tags") or {"team": "platform"},
    served_entities=[{
        "name": "main",
        "external_model": {"name": "gpt-4", "provider": "openai", "task": "llm/v1/chat",
                           "openai_config": {"openai_api_key": key.config_reference}},
    }],
)
"""

ADOPT_PROGRAM = """
import pulumi
from pulumi_serving import ServingEndpoint

ServingEndpoint(
    "hand-made",
    endpoint_name="hand-made",
    adopt=True,
    tags={"owner": "platform"},
    description=pulumi.Config().get("description"),
    known_secrets=["hand_keys/openai"],
    served_entities=[{
        "name": "main",
        "external_model": {"name": "gpt-4", "provider": "openai", "task": "llm/v1/chat",
                           "openai_config": {"openai_api_key": "{{secrets/hand_keys/openai}}"}},
    }],
)
"""
HIDDEN_OPTION = re.compile(r"^\s*[~+-]?\s*(owner|known_secrets|adopt)\s*:", re.MULTILINE)


def test_a_refused_token_is_one_line_naming_the_setting_and_no_traceback(
    pulumi_stack_factory, inprocess_live_server, tmp_path
):
    stack = pulumi_stack_factory(
        python_program(tmp_path, "refused-program", PROGRAM),
        config={"serving:host": inprocess_live_server.url},
        secrets={"serving:token": "dapi-not-a-token", "openaiKey": "sk-refused"},
    )
    failed = stack.preview(check=False)
    assert failed.returncode != 0
    naming = [line for line in failed.output.splitlines() if "serving:token" in line]
    assert len(naming) == 1 and "refused the token" in naming[0], failed.output
    assert naming[0].startswith("error: ") and "check serving:token" in naming[0]
    assert "Traceback" not in failed.output and "KeyboardInterrupt" not in failed.output, failed.output
    assert "dapi-not-a-token" not in failed.output


def test_plans_show_tags_by_key_and_no_internal_inputs_or_readiness_noise(
    pulumi_stack_factory, inprocess_live_server, tmp_path
):
    stack = pulumi_stack_factory(
        python_program(tmp_path, "plans-program", PROGRAM),
        config={"serving:host": inprocess_live_server.url},
        secrets={"serving:token": inprocess_live_server.admin_token, "openaiKey": "sk-plans"},
    )
    created = stack.preview()
    assert not HIDDEN_OPTION.search(created.stdout), created.stdout  # not even in a create
    stack.up()
    with inprocess_live_server.client() as api:  # someone edits a tag by hand; refresh takes it into the state
        api.patch("/api/2.0/serving-endpoints/plan-ep/tags", json={"add_tags": [{"key": "team", "value": "bob"}]})
        stack.refresh()
        stack.set_config({"tags": '{"team": "ml", "env": "dev"}'})
        diff = stack.preview().stdout
        assert re.search(r'~ team\s*: "bob" => "ml"', diff) and re.search(r'\+ env\s*: "dev"', diff), diff
        assert "[0]" not in diff.split("tags")[-1].split("Resources:")[0], diff  # by key, not by position
        assert not HIDDEN_OPTION.search(diff) and "traffic_config" not in diff, diff
        assert step_line(diff, "EndpointsReady") == [] and len(step_line(diff, "ServingEndpoint")) == 1, diff

        plain = stack.run("preview")  # as pulumi/actions runs it: the plan's lines are in stdout
        diagnostics = plain.stdout.split("Diagnostics:")[1]
        assert (
            "ServingEndpoint plan-ep: ~ tags[env], tags[team].value -> PATCH /api/2.0/serving-endpoints/{name}/tags"
            in diagnostics
        )
        stack.up()
        tags = api.get("/api/2.0/serving-endpoints/plan-ep").json()["tags"]
    assert {"key": "team", "value": "ml"} in tags and {"key": "env", "value": "dev"} in tags
    stack.preview(expect_no_changes=True)


def test_an_adopt_preview_shows_the_live_diff_and_the_marker_it_adds(
    pulumi_stack_factory, inprocess_live_server, tmp_path
):
    with inprocess_live_server.client() as api:  # made by plain HTTP calls, as a user's would be
        api.post("/api/2.0/secrets/scopes/create", json={"scope": "hand_keys"})
        api.post("/api/2.0/secrets/put", json={"scope": "hand_keys", "key": "openai", "string_value": "sk-hand"})
        made = entity("main", "openai", "gpt-4", "llm/v1/chat", openai_api_key="{{secrets/hand_keys/openai}}")
        body = create_body("hand-made", made, tags=[{"key": "owner", "value": "bob"}])
        assert api.post("/api/2.0/serving-endpoints", json=body).status_code == 200
    stack = pulumi_stack_factory(
        python_program(tmp_path, "adopt-preview-program", ADOPT_PROGRAM),
        config={"serving:host": inprocess_live_server.url},
        secrets={"serving:token": inprocess_live_server.admin_token},
    )
    stack.set_config({"description": "adopted"})  # only a replacement sets a description: refused at preview
    refused = stack.preview(check=False)
    [line] = [line for line in refused.output.splitlines() if "cannot be adopted" in line]
    assert line.startswith("error: ") and "description: serving endpoint 'hand-made'" in line, refused.output
    assert "declare it absent" in line and "Traceback" not in refused.output

    stack.run("config", "rm", "description")
    shown = stack.run("preview").stdout
    diagnostics = shown.split("Diagnostics:")[1]
    assert "adopt: serving endpoint 'hand-made' exists" in diagnostics, shown
    assert '~ tags.owner: "bob" => "platform"' in diagnostics and "changes 1 field(s)" in diagnostics
    assert "+ tags.pulumi-serving-owner:" in diagnostics and "(the ownership marker)" in diagnostics
    assert "sk-hand" not in shown
    stack.up()
    with inprocess_live_server.client() as api:
        live = api.get("/api/2.0/serving-endpoints/hand-made").json()
    assert {"key": "owner", "value": "platform"} in live["tags"] and live["config"]["config_version"] == 1
    stack.preview(expect_no_changes=True)
