"""Environments from one declaration: Pulumi.yaml's shared serving:* config under each stack file, varied per stack
by serving:name_suffix and serving:endpoint_overrides (a JSON merge patch), checked as merged by validate."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from pulumi_serving.cli.project_config import find_project
from pulumi_serving.cli.validate import validate_file
from pulumi_serving.payloads.declarations import json_schema, parse_declarations
from pulumi_serving.payloads.declarations.overrides import merge_patch
from tests.support.pulumi_stack import REPO_ROOT

CLI = REPO_ROOT / ".venv" / "bin" / "pulumi-serving"
LIMIT = {"calls": 20, "key": "user", "renewal_period": "minute"}
ENDPOINT = {
    "name": "chat",
    "config": {
        "served_entities": [
            {
                "name": "gpt",
                "external_model": {
                    "name": "gpt-4o",
                    "provider": "openai",
                    "task": "llm/v1/chat",
                    "openai_config": {"openai_api_key_plaintext": {"secret": "openai_key"}},
                },
            }
        ]
    },
    "tags": {"team": "ml"},
    "rate_limits": [LIMIT],
}


def test_merge_patch_merges_mappings_replaces_lists_and_scalars_and_null_removes() -> None:
    target = {"a": {"b": 1, "c": [1, 2]}, "d": "x", "e": 1}
    assert merge_patch(target, {"a": {"c": [3]}, "d": None, "f": {"g": None}}) == {
        "a": {"b": 1, "c": [3]},
        "e": 1,
        "f": {},
    }
    assert target == {"a": {"b": 1, "c": [1, 2]}, "d": "x", "e": 1}  # not modified


def test_suffix_and_overrides_vary_the_shared_endpoint() -> None:
    grants = [{"group_name": "devs", "permission_level": "CAN_MANAGE"}]
    decl, problems = parse_declarations(
        {
            "endpoints": [ENDPOINT],
            "name_suffix": "-dev",
            "endpoint_overrides": {"chat": {"rate_limits": [{**LIMIT, "calls": 5}], "permissions": grants}},
        },
        json_schema(),
    )
    assert problems == [] and decl is not None
    [endpoint] = decl.endpoints
    assert (endpoint.name, endpoint.id) == ("chat-dev", "chat")  # the resource keeps the declared name
    assert [limit.calls for limit in endpoint.rate_limits or []] == [5]
    assert [p.group_name for p in endpoint.permissions or []] == ["devs"]
    assert endpoint.tags == {"team": "ml"}


def test_a_mapping_override_merges_into_the_shared_config_and_null_removes_a_field() -> None:
    decl, problems = parse_declarations(
        {"endpoints": [ENDPOINT], "endpoint_overrides": {"chat": {"rate_limits": None, "tags": {"env": "prod"}}}},
        json_schema(),
    )
    assert problems == [] and decl is not None
    assert decl.endpoints[0].rate_limits is None and decl.endpoints[0].tags == {"team": "ml", "env": "prod"}


def test_override_problems_name_the_override() -> None:
    cases = {
        "endpoint_overrides.chta": {"chta": {"rate_limits": []}},  # no such endpoint
        "endpoint_overrides.chat.name": {"chat": {"name": "other"}},  # identity is not overridable
        "endpoint_overrides.chat.rate_limits[0].calls": {"chat": {"rate_limits": [{**LIMIT, "calls": -1}]}},
    }
    for path, overrides in cases.items():
        decl, problems = parse_declarations({"endpoints": [ENDPOINT], "endpoint_overrides": overrides}, json_schema())
        assert decl is None and [p.path for p in problems] == [path], problems
    decl, problems = parse_declarations({"endpoints": [ENDPOINT], "name_suffix": "-dev env"}, json_schema())
    assert decl is None and [p.path for p in problems] == ["name_suffix"]
    # A problem the override brings in (a merged served entity without a model name) names the override too.
    broken = {"config": {"served_entities": [{"name": "gpt", "external_model": {"provider": "openai"}}]}}
    decl, problems = parse_declarations(
        {"endpoints": [ENDPOINT], "endpoint_overrides": {"chat": broken}}, json_schema()
    )
    assert decl is None and problems and all(p.path.startswith("endpoint_overrides.chat.config") for p in problems)


def test_stack_only_objects_are_added_as_written_and_their_problems_name_them() -> None:
    own = {**ENDPOINT, "name": "bob-chat", "adopt": True}
    scope = {"scope": "team_keys", "adopt": True}
    decl, problems = parse_declarations(
        {"endpoints": [ENDPOINT], "name_suffix": "-dev", "stack_endpoints": [own], "stack_scopes": [scope]},
        json_schema(),
    )
    assert problems == [] and decl is not None
    assert [e.name for e in decl.endpoints] == ["chat-dev", "bob-chat"]  # no suffix on the stack's own
    assert [s.scope for s in decl.scopes] == ["team_keys"]
    broken = {**own, "rate_limits": [{**LIMIT, "calls": -1}]}
    decl, problems = parse_declarations({"endpoints": [ENDPOINT], "stack_endpoints": [own, broken]}, json_schema())
    assert decl is None and [p.path for p in problems] == ["stack_endpoints[1].rate_limits[0].calls"], problems
    decl, problems = parse_declarations({"endpoints": [ENDPOINT], "stack_endpoints": [ENDPOINT]}, json_schema())
    assert [p.path for p in problems] == ["stack_endpoints[0].name"], problems  # declared twice


def write_project(root: Path, stack_config: dict, *, project_config: dict | None = None) -> Path:
    (root / "stacks").mkdir(parents=True)
    project = {"name": "infra", "runtime": "python", "stackConfigDir": "stacks"}
    project["config"] = project_config or {"serving:endpoints": [ENDPOINT]}
    (root / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    stack_file = root / "stacks" / "Pulumi.dev.yaml"
    stack_file.write_text(yaml.safe_dump({"config": {"serving:openai_key": {"secure": "v1:x"}, **stack_config}}))
    return stack_file


def test_validate_checks_a_stack_file_merged_with_its_project(tmp_path: Path) -> None:
    stack_file = write_project(tmp_path, {"serving:name_suffix": "-dev"})
    assert validate_file(stack_file, json_schema()) == []
    # Alone, the stack file's secret would be unknown: the project's endpoints are what name it.
    assert find_project(stack_file) is not None and find_project(tmp_path / "Pulumi.yaml") is None
    bad = {"serving:endpoint_overrides": {"chat": {"rate_limits": [{**LIMIT, "renewal_period": "hour"}]}}}
    stack_file.write_text(yaml.safe_dump({"config": {"serving:openai_key": {"secure": "v1:x"}, **bad}}))
    [finding] = validate_file(stack_file, json_schema())
    assert finding.file == str(stack_file) and finding.line is not None
    assert finding.path == "config.serving:endpoint_overrides.chat.rate_limits[0].renewal_period"


def test_a_problem_in_a_shared_declaration_names_pulumi_yaml_and_its_line(tmp_path: Path) -> None:
    wrong = {**ENDPOINT, "rate_limits": [{**LIMIT, "key": "everyone"}]}
    stack_file = write_project(tmp_path, {}, project_config={"serving:endpoints": {"value": [wrong]}})
    [finding] = validate_file(stack_file, json_schema())
    assert finding.file == str((tmp_path / "Pulumi.yaml").resolve())
    assert finding.path == "config.serving:endpoints.value[0].rate_limits[0].key"
    lines = (tmp_path / "Pulumi.yaml").read_text().splitlines()
    assert finding.line is not None and "everyone" in lines[finding.line - 1]
    # A stack file that sets serving:endpoints itself replaces the shared list whole (Pulumi's merge): no problem.
    stack_file.write_text(
        yaml.safe_dump({"config": {"serving:openai_key": {"secure": "v1:x"}, "serving:endpoints": [ENDPOINT]}})
    )
    assert validate_file(stack_file, json_schema()) == []


def test_a_stack_file_outside_the_projects_stack_dir_is_checked_alone(tmp_path: Path) -> None:
    stack_file = write_project(tmp_path, {})
    elsewhere = tmp_path / "other" / "Pulumi.dev.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text(stack_file.read_text())
    assert find_project(elsewhere) is None
    [finding] = validate_file(elsewhere, json_schema())
    assert "unknown key" in finding.message  # its secret names no declared endpoint here


def test_validate_cli_json_reports_the_merged_problem(tmp_path: Path) -> None:
    stack_file = write_project(tmp_path, {"serving:endpoint_overrides": {"missing": {"rate_limits": []}}})
    done = subprocess.run([str(CLI), "validate", "--json", str(stack_file)], capture_output=True, text=True)
    assert done.returncode == 1
    [problem] = json.loads(done.stdout)["problems"]
    assert problem["path"] == "config.serving:endpoint_overrides.missing" and "'chat'" in problem["message"]
