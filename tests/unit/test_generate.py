"""``pulumi-serving generate``'s pure parts: live JSON -> declaration (adopting it plans only the ownership marker),
the stack-file merge (comments and other keys kept) and the Python program."""

from __future__ import annotations

import copy

import yaml

from pulumi_serving.cli.validate import validate_file
from pulumi_serving.generate.declarations import endpoint_declaration, scope_declaration
from pulumi_serving.generate.python_program import render
from pulumi_serving.generate.stack_file import merge
from pulumi_serving.payloads import api_paths
from pulumi_serving.payloads.declarations import parse_declarations
from pulumi_serving.payloads.ownership import OWNER_INPUT, OWNER_TAG_KEY, SCOPE_MARKER_PREFIX
from pulumi_serving.plan import comparable_endpoint
from pulumi_serving.plan.endpoint import plan_take_over
from pulumi_serving.plan.parsed_endpoint import ParsedEndpoint
from tests.support.type_check import mypy

CALLER = "platform-sp"
REF = "{{secrets/team_keys/openai_api_key}}"

# A GET body as the serving API answers it for an endpoint made by hand (server-filled route, creator, states...).
LIVE = {
    "name": "bob-chat",
    "id": "e1",
    "creator": "bob@example.com",
    "description": "bob's chat endpoint",
    "state": {"ready": "READY", "config_update": "NOT_UPDATING"},
    "config": {
        "config_version": 3,
        "served_entities": [
            {
                "name": "gpt",
                "external_model": {
                    "provider": "openai",
                    "name": "gpt-4o-mini",
                    "task": "llm/v1/chat",
                    "openai_config": {"openai_api_key": REF},
                },
                "creator": "bob@example.com",
                "creation_timestamp": 1,
                "state": {"deployment": "DEPLOYMENT_READY"},
            }
        ],
        "traffic_config": {
            "routes": [{"served_entity_name": "gpt", "served_model_name": "gpt", "traffic_percentage": 100}]
        },
    },
    "ai_gateway": {
        "rate_limits": [{"renewal_period": "minute", "calls": 20, "key": "user"}],
        "usage_tracking_config": {"enabled": True},
        "inference_table_config": {"enabled": False},
    },
    "tags": [{"key": "owner", "value": "bob"}, {"key": "team", "value": "ml"}],
    "email_notifications": {"on_update_failure": ["bob@example.com"]},
    "task": "llm/v1/chat",
}
PERMISSIONS = {
    "access_control_list": [
        {"group_name": "apps", "all_permissions": [{"permission_level": "CAN_QUERY", "inherited": False}]},
        {"user_name": "bob@example.com", "all_permissions": [{"permission_level": "CAN_MANAGE", "inherited": False}]},
        {"user_name": CALLER, "all_permissions": [{"permission_level": "CAN_MANAGE", "inherited": False}]},
        {"group_name": "admins", "all_permissions": [{"permission_level": "CAN_MANAGE", "inherited": True}]},
    ]
}


def _props(decl: dict) -> dict:
    """The inputs the stack program gives a ServingEndpoint for this declaration (stack/program.py)."""
    keys = ("config", "tags", "ai_gateway", "description", "email_notifications", "route_optimized")
    return {"endpoint_name": decl["name"], **{k: decl[k] for k in keys if k in decl}, OWNER_INPUT: "p/dev/E/bob-chat"}


def test_endpoint_declaration_declares_what_the_endpoint_has() -> None:
    generated = endpoint_declaration(LIVE, PERMISSIONS, CALLER)
    decl = generated.declaration
    assert decl["adopt"] is True and decl["name"] == "bob-chat"
    # the server-filled 100% route, server-only entity fields and the disabled gateway section are left out
    assert decl["config"] == {
        "served_entities": [
            {k: v for k, v in LIVE["config"]["served_entities"][0].items() if k in ("name", "external_model")}
        ]
    }
    assert decl["tags"] == [{"key": "owner", "value": "bob"}, {"key": "team", "value": "ml"}]
    assert decl["ai_gateway"] == {"usage_tracking_config": {"enabled": True}}
    assert decl["rate_limits"] == [{"renewal_period": "minute", "calls": 20, "key": "user"}]
    # direct grants only, the caller's own CAN_MANAGE implicit (EndpointPermissions never removes it)
    assert decl["permissions"] == [
        {"group_name": "apps", "permission_level": "CAN_QUERY"},
        {"user_name": "bob@example.com", "permission_level": "CAN_MANAGE"},
    ]
    assert decl["description"] == "bob's chat endpoint"
    assert decl["email_notifications"] == {"on_update_failure": ["bob@example.com"]}
    assert generated.secret_keys == ()
    _, problems = parse_declarations({"endpoints": [decl]})
    assert problems == []


def test_adopting_the_generated_declaration_plans_only_the_ownership_marker() -> None:
    decl = endpoint_declaration(LIVE, PERMISSIONS, CALLER).declaration
    props = _props(decl)
    live_view = comparable_endpoint.live(LIVE, comparable_endpoint.declared(props)[0]["config"])
    plan = plan_take_over(live_view, ParsedEndpoint(props), marked=False)
    assert not plan.replaces and not plan.rejections
    assert [c.api for c in plan.calls] == [api_paths.PATCH_TAGS, api_paths.GET_ENDPOINT]
    assert plan.calls[0].body == {"add_tags": [{"key": OWNER_TAG_KEY, "value": "p/dev/E/bob-chat"}], "delete_tags": []}


def test_two_entities_keep_their_traffic_split_and_a_marker_tag_is_not_declared() -> None:
    live = copy.deepcopy(LIVE)
    second = copy.deepcopy(live["config"]["served_entities"][0]) | {"name": "gpt-b"}
    live["config"]["served_entities"].append(second)
    live["config"]["traffic_config"] = {
        "routes": [
            {"served_entity_name": "gpt", "traffic_percentage": 80},
            {"served_entity_name": "gpt-b", "traffic_percentage": 20},
        ]
    }
    live["tags"].append({"key": OWNER_TAG_KEY, "value": "other/stack/E/x"})
    decl = endpoint_declaration(live, None, CALLER).declaration
    assert decl["config"]["traffic_config"] == live["config"]["traffic_config"]
    assert [t["key"] for t in decl["tags"]] == ["owner", "team"] and "permissions" not in decl


def test_a_plaintext_credential_becomes_a_secret_config_key_to_fill() -> None:
    live = copy.deepcopy(LIVE)  # created with openai_api_key_plaintext: GET echoes the block without it
    live["config"]["served_entities"][0]["external_model"]["openai_config"] = {}
    generated = endpoint_declaration(live, None, CALLER)
    block = generated.declaration["config"]["served_entities"][0]["external_model"]["openai_config"]
    assert block == {"openai_api_key_plaintext": {"secret": "bob_chat_gpt_openai_api_key"}}
    assert generated.secret_keys == ("bob_chat_gpt_openai_api_key",)
    assert any("serving:bob_chat_gpt_openai_api_key" in note for note in generated.notes)
    _, problems = parse_declarations({"endpoints": [generated.declaration]})
    assert problems == []


def test_scope_declaration_keeps_secrets_unmanaged_or_as_value_from_entries() -> None:
    acls = [
        {"principal": "ml-engineers", "permission": "READ"},
        {"principal": CALLER, "permission": "MANAGE"},
        {"principal": "bob@example.com", "permission": "MANAGE"},
    ]
    keys = ["openai_api_key", SCOPE_MARKER_PREFIX + "abc", "legacy"]
    unmanaged = scope_declaration("team_keys", acls, keys, CALLER)
    assert unmanaged.declaration == {
        "scope": "team_keys",
        "adopt": True,
        "acls": [
            {"principal": "bob@example.com", "permission": "MANAGE"},
            {"principal": "ml-engineers", "permission": "READ"},
        ],
        "authoritative_acls": True,
    }
    assert any("not managed by this stack" in n and "legacy, openai_api_key" in n for n in unmanaged.notes)
    managed = scope_declaration("team_keys", acls, keys, CALLER, manage_secrets=True)
    assert managed.declaration["secrets"] == [
        {"key": "legacy", "value_from": "team_keys_legacy"},
        {"key": "openai_api_key", "value_from": "team_keys_openai_api_key"},
    ]
    assert managed.secret_keys == ("team_keys_legacy", "team_keys_openai_api_key")


STACK_FILE = """\
# the team's dev stack: reviewed in pull requests
config:
  serving:host: http://127.0.0.1:8787   # the local serving API
  aws:region: eu-west-1
  serving:endpoints:
    # hand-written, keep this comment
    - name: existing
      config:
        served_entities: []
encryptionsalt: v1:abc
"""


def test_merge_keeps_comments_and_other_keys_and_skips_what_is_declared() -> None:
    endpoint = endpoint_declaration(LIVE, PERMISSIONS, CALLER)
    existing = endpoint_declaration(LIVE | {"name": "existing"}, None, CALLER)
    scope = scope_declaration("team_keys", [], ["openai_api_key"], CALLER)
    merged = merge(STACK_FILE, [existing, endpoint], [scope], header="generated by test")
    assert merged.added == ("team_keys", "bob-chat") and merged.skipped == ("existing",)
    for line in STACK_FILE.splitlines():  # every original line is still there, in order
        assert line in merged.text
    assert merged.text.index("# hand-written, keep this comment") < merged.text.index("- name: existing")
    assert "    # generated by test\n" in merged.text
    assert "# secrets kept as they are, not managed by this stack" in merged.text
    config = yaml.safe_load(merged.text)["config"]
    assert config["aws:region"] == "eu-west-1" and yaml.safe_load(merged.text)["encryptionsalt"] == "v1:abc"
    assert [e["name"] for e in config["serving:endpoints"]] == ["existing", "bob-chat"]
    assert config["serving:endpoints"][1] == endpoint.declaration
    assert config["serving:scopes"] == [scope.declaration]
    again = merge(merged.text, [endpoint], [scope])  # generating twice changes nothing
    assert again.text == merged.text and again.added == ()


def test_merge_under_a_project_sharing_the_declarations_uses_the_stack_keys() -> None:
    """A stack file that takes serving:endpoints / serving:scopes from Pulumi.yaml gets the generated objects under
    serving:stack_endpoints / serving:stack_scopes: the shared key would replace the project's list for this stack."""
    endpoint = endpoint_declaration(LIVE, PERMISSIONS, CALLER)
    shared = endpoint_declaration(LIVE | {"name": "shared-chat"}, None, CALLER)
    scope = scope_declaration("team_keys", [], ["openai_api_key"], CALLER)
    project = {"serving:endpoints": [{"name": "shared-chat"}], "serving:scopes": [{"scope": "other"}]}
    text = "config:\n  serving:name_suffix: -dev  # dev's names\n"
    merged = merge(text, [shared, endpoint], [scope], project=project)
    assert merged.added == ("team_keys", "bob-chat") and merged.skipped == ("shared-chat",)
    assert merged.keys == ("serving:stack_scopes", "serving:stack_endpoints")
    config = yaml.safe_load(merged.text)["config"]
    assert "serving:endpoints" not in config and "serving:scopes" not in config
    assert config["serving:stack_endpoints"] == [endpoint.declaration]
    assert config["serving:stack_scopes"] == [scope.declaration]
    assert "# dev's names" in merged.text
    assert merge(merged.text, [endpoint], [scope], project=project).added == ()  # generating twice adds nothing
    # A stack file that sets the shared key itself (replacing the project's) gets the objects there.
    own = merge("config:\n  serving:endpoints: []\n", [endpoint], project=project)
    assert own.keys == ("serving:endpoints",)


def test_merge_into_a_new_file() -> None:
    merged = merge(None, [endpoint_declaration(LIVE, None, CALLER)])
    assert yaml.safe_load(merged.text)["config"]["serving:endpoints"][0]["name"] == "bob-chat"


def test_python_program_declares_the_same_objects() -> None:
    endpoint = endpoint_declaration(LIVE, PERMISSIONS, CALLER)
    scope = scope_declaration("team_keys", [{"principal": "ml", "permission": "READ"}], ["k"], CALLER)
    program = render([endpoint], [scope], header="generated by test")
    compile(program, "__main__.py", "exec")
    assert "from pulumi_serving import (\n    EndpointPermissions,\n    SecretAcl," in program
    assert 'team_keys_scope = SecretScope("team_keys", scope="team_keys", adopt=True, acls_declared=True)' in program
    assert "opts=pulumi.ResourceOptions(depends_on=[team_keys_scope])" in program
    assert "adopt=True" in program and "tags=[" in program
    assert '"openai_api_key": "{{secrets/team_keys/openai_api_key}}"' in program
    plaintext = copy.deepcopy(LIVE)
    plaintext["config"]["served_entities"][0]["external_model"]["openai_config"] = {}
    program = render([endpoint_declaration(plaintext, None, CALLER)])
    assert 'config.require_secret("bob_chat_gpt_openai_api_key")' in program
    assert 'config = pulumi.Config("serving")' in program


def test_the_generated_stack_file_validates(tmp_path) -> None:
    """References to secrets an adopted scope holds but the file does not manage are valid; a scope the stack
    creates must still declare them."""
    scope = scope_declaration("team_keys", [], ["openai_api_key"], CALLER)
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(merge(None, [endpoint_declaration(LIVE, PERMISSIONS, CALLER)], [scope]).text)
    assert validate_file(stack_file, None) == []
    created = yaml.safe_load(stack_file.read_text())
    created["config"]["serving:scopes"][0]["adopt"] = False
    stack_file.write_text(yaml.safe_dump(created))
    [problem] = validate_file(stack_file, None)
    assert "secret {{secrets/team_keys/openai_api_key}} is not declared in this file" in problem.message


def test_the_python_program_type_checks(tmp_path) -> None:
    """``--python`` prints a typed program: a real type checker accepts it against the package's typed API."""
    scope = scope_declaration(
        "team_keys", [{"principal": "ml", "permission": "READ"}], ["k"], CALLER, manage_secrets=True
    )
    program = tmp_path / "__main__.py"
    program.write_text(render([endpoint_declaration(LIVE, PERMISSIONS, CALLER)], [scope]))
    done = mypy(program, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
