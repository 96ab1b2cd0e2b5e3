"""Stack declarations: schema freshness, the checked-in stack files, and problems named by file path."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from pulumi_serving.cli.validate import validate_file
from pulumi_serving.payloads.declarations import json_schema, parse_declarations, validate_stack_config
from tests.support.pulumi_stack import REPO_ROOT

SCHEMA_FILE = REPO_ROOT / "schemas" / "stack-declarations.schema.json"
CLI = REPO_ROOT / ".venv" / "bin" / "pulumi-serving"


def test_checked_in_schema_is_not_stale() -> None:
    expected = json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
    assert SCHEMA_FILE.read_text() == expected, "schemas are stale: run `python schemas/generate.py`"


def test_checked_in_stack_files_are_valid() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    for stack_file in sorted((REPO_ROOT / "stacks").glob("Pulumi.*.yaml")):
        assert validate_file(stack_file, schema) == [], stack_file


def test_dev_stack_declares_the_user_story() -> None:
    config = yaml.safe_load((REPO_ROOT / "stacks" / "Pulumi.dev.yaml").read_text())["config"]
    decl, problems = parse_declarations({"scopes": config["serving:scopes"], "endpoints": config["serving:endpoints"]})
    assert problems == [] and decl is not None
    models = {e.name: e.config["served_entities"][0]["external_model"] for e in decl.endpoints}
    assert models["openai-completions-endpoint"]["name"] == "gpt-3.5-turbo-instruct"
    assert (
        models["openai-completions-endpoint"]["openai_config"]["openai_api_key"]
        == "{{secrets/my_openai_secret_scope/openai_api_key}}"
    )
    assert models["azure-openai-completions-endpoint"]["openai_config"]["openai_api_type"] == "azure"
    assert models["anthropic-completions-endpoint"]["name"] == "claude-2"
    limits = {e.name: e.rate_limits for e in decl.endpoints if e.rate_limits}
    assert [(limit.calls, limit.key, limit.renewal_period) for limit in limits["openai-completions-endpoint"]] == [
        (20, "user", "minute")
    ]
    assert all("secure" in config[f"serving:{s.value_from}"] for sc in decl.scopes for s in sc.secrets)


def _endpoint(openai_config: dict, **extra) -> dict:
    return {
        "name": "ep",
        "config": {
            "served_entities": [
                {
                    "name": "a",
                    "external_model": {
                        "name": "gpt",
                        "provider": "openai",
                        "task": "llm/v1/completions",
                        "openai_config": openai_config,
                    },
                }
            ]
        },
        **extra,
    }


def _problems(config: dict) -> list[str]:
    return [str(p) for p in validate_stack_config(config, json_schema())]


def test_problems_name_the_path_in_the_file() -> None:
    problems = _problems({"serving:endpoints": [_endpoint({"openai_api_key": "{{secrets/s/k}}"}, tags=[{"x": 1}])]})
    assert any(p.startswith("config.serving:endpoints[0].tags") for p in problems), problems


def test_plaintext_key_in_the_file_is_rejected_without_echoing_it() -> None:
    problems = _problems({"serving:endpoints": [_endpoint({"openai_api_key_plaintext": "sk-leaky-123"})]})
    assert problems and all("sk-leaky-123" not in p for p in problems)
    assert problems[0].startswith(
        "config.serving:endpoints[0].config.served_entities[0].external_model.openai_config.openai_api_key_plaintext"
    )


def test_plaintext_key_must_come_from_a_secure_value() -> None:
    endpoint = _endpoint({"openai_api_key_plaintext": {"secret": "openai_key"}})
    assert "not plaintext" in _problems({"serving:endpoints": [endpoint], "serving:openai_key": "sk-x"})[0]
    assert _problems({"serving:endpoints": [endpoint], "serving:openai_key": {"secure": "v1:abc"}}) == []


def test_bad_declarations_each_get_a_line() -> None:
    config = {
        "serving:scopes": [{"scope": "bad scope!", "secrets": [{"key": "k", "value_from": "nope"}]}],
        "serving:endpoints": [
            _endpoint({"openai_api_key": "{{secrets/s/k}}", "openai_api_key_plaintext": {"secret": "k"}}),
            {
                "name": "ep 2",
                "config": {
                    "served_entities": [
                        {"name": "a", "entity_name": "m", "entity_version": "1"},
                        {"name": "b", "entity_name": "m", "entity_version": "2"},
                    ],
                    "traffic_config": {
                        "routes": [
                            {"served_entity_name": "a", "traffic_percentage": 50},
                            {"served_entity_name": "b", "traffic_percentage": 40},
                        ]
                    },
                },
            },
        ],
        "serving:k": {"secure": "v1:abc"},
    }
    problems = _problems(config)
    joined = "\n".join(problems)
    assert "config.serving:scopes[0].scope" in joined
    assert "config.serving:scopes[0].secrets[0].value_from" in joined
    assert "mutually exclusive" in joined
    assert "config.serving:endpoints[1].name" in joined
    assert "100" in joined  # traffic must sum to 100


def test_validate_cli_exit_codes(tmp_path: Path) -> None:
    good = subprocess.run(
        [str(CLI), "validate", str(REPO_ROOT / "stacks" / "Pulumi.dev.yaml"), "--schema", str(SCHEMA_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    bad_file = tmp_path / "Pulumi.bad.yaml"
    bad_file.write_text(
        yaml.safe_dump(
            {"config": {"serving:endpoints": [_endpoint({"openai_api_key": "{{secrets/s/k}}"}, bogus=True)]}}
        )
    )
    bad = subprocess.run([str(CLI), "validate", str(bad_file)], capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    lines = bad.stderr.strip().splitlines()
    assert lines[0] == f"{bad_file}:3:5: error: config.serving:endpoints[0]: unknown field(s): bogus"
    # the same run goes on to the endpoint's config: its reference names a scope the file does not declare
    assert len(lines) == 2 and "secret scope 's' of {{secrets/s/k}} is not declared in this file" in lines[1]


def _declared_scope(key: str = "k") -> dict:
    return {"scope": "s", "secrets": [{"key": key, "value_from": "openai_value"}]}


def test_unknown_serving_keys_are_rejected() -> None:
    config = {
        "serving:endpoint": [_endpoint({"openai_api_key": "{{secrets/s/k}}"})],
        "serving:host": "http://x",
        "serving:token": {"secure": "v1:t"},
        "serving:profile": "p",
        "serving:scopes": [_declared_scope()],
        "serving:openai_value": {"secure": "v1:abc"},
        "serving:stray": {"secure": "v1:def"},
        "other:setting": "kept",
    }
    problems = _problems(config)
    assert [p.split(":", 2)[:2] for p in problems] == [["config.serving", "endpoint"], ["config.serving", "stray"]]
    assert "did you mean serving:endpoints" in problems[0] and "delete" in problems[0]


def test_semantic_checks_run_even_when_the_schema_check_fails() -> None:
    config = {
        "serving:endpoints": [
            _endpoint({"openai_api_key": "{{secrets/s/k}}"}, bogus=True),
            _endpoint({"openai_api_key": "{{secrets/s/k}}"}, name="bad name!"),
        ],
        "serving:scopes": [_declared_scope()],
        "serving:openai_value": {"secure": "v1:abc"},
    }
    joined = "\n".join(_problems(config))
    assert "config.serving:endpoints[0]: unknown field(s): bogus" in joined
    assert "config.serving:endpoints[1].name" in joined


def test_one_run_reports_every_problem_of_an_endpoint_broken_in_several_places() -> None:
    # a bad tag and a bad rate limit (schema), a bad name, a bad config and an undeclared reference: all at once
    broken = _endpoint(
        {"openai_api_key": "{{secrets/nowhere/k}}", "openai_api_key_plaintext": {"secret": "openai_value"}},
        name="bad name!",
        tags=[{"x": 1}],
        rate_limits=[{"calls": "many", "renewal_period": "minute"}],
    )
    undeclared = _endpoint({"openai_api_key": "{{secrets/nowhere/k}}"}, name="other", tags=[{"x": 1}])
    config = {"serving:endpoints": [broken, undeclared], "serving:openai_value": {"secure": "v1:abc"}}
    joined = "\n".join(_problems(config))
    for expected in (
        "config.serving:endpoints[0].tags",
        "config.serving:endpoints[0].rate_limits[0].calls",
        "config.serving:endpoints[0].name",
        "mutually exclusive",
        "config.serving:endpoints[1].config.served_entities[0].external_model.openai_config.openai_api_key: secret "
        "scope 'nowhere'",
    ):
        assert expected in joined, joined


def test_undeclared_secret_references_are_flagged_unless_allowed() -> None:
    config = {
        "serving:scopes": [_declared_scope()],
        "serving:openai_value": {"secure": "v1:abc"},
        "serving:endpoints": [
            _endpoint({"openai_api_key": "{{secrets/s/other}}"}),
            _endpoint({"openai_api_key": "{{secrets/elsewhere/k}}"}, name="ep2"),
        ],
    }
    problems = _problems(config)
    path = "config.serving:endpoints[{}].config.served_entities[0].external_model.openai_config.openai_api_key"
    assert problems[0].startswith(path.format(0)) and "key 'other'" in problems[0]
    assert problems[1].startswith(path.format(1)) and "scope 'elsewhere'" in problems[1]
    assert all("--allow-external-secrets" in p for p in problems) and len(problems) == 2
    assert validate_stack_config(config, json_schema(), allow_external_secrets=True) == []


def test_validate_cli_reports_a_typoed_key_and_allows_external_secrets(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.typo.yaml"
    stack_file.write_text(
        yaml.safe_dump({"config": {"serving:endpoint": [_endpoint({"openai_api_key": "{{secrets/s/k}}"})]}})
    )
    typo = subprocess.run([str(CLI), "validate", str(stack_file)], capture_output=True, text=True, check=False)
    assert typo.returncode == 1 and "config.serving:endpoint: unknown key" in typo.stderr
    external = tmp_path / "Pulumi.external.yaml"
    external.write_text(
        yaml.safe_dump({"config": {"serving:endpoints": [_endpoint({"openai_api_key": "{{secrets/s/k}}"})]}})
    )
    flagged = subprocess.run([str(CLI), "validate", str(external)], capture_output=True, text=True, check=False)
    assert flagged.returncode == 1 and "not declared in this file" in flagged.stderr
    allowed = subprocess.run(
        [str(CLI), "validate", "--allow-external-secrets", str(external)], capture_output=True, text=True, check=False
    )
    assert allowed.returncode == 0, allowed.stderr


def test_endpoint_permissions_and_fields_in_the_stack_file() -> None:
    ref = {"openai_api_key": "{{secrets/s/k}}"}
    good = _endpoint(
        ref,
        description="d",
        budget_policy_id="bp",
        email_notifications={"on_update_failure": ["a@x"]},
        permissions=[{"group_name": "apps", "permission_level": "CAN_QUERY"}],
    )
    scopes = [{"scope": "s", "secrets": [{"key": "k", "value_from": "v"}]}]
    assert _problems({"serving:scopes": scopes, "serving:endpoints": [good], "serving:v": {"secure": "x"}}) == []
    level = _endpoint(ref, permissions=[{"group_name": "apps", "permission_level": "CAN_READ"}])
    nobody = _endpoint(ref, permissions=[{"permission_level": "CAN_QUERY"}])
    problems = _problems({"serving:scopes": scopes, "serving:v": {"secure": "x"}, "serving:endpoints": [level]})
    assert any(
        p.startswith("config.serving:endpoints[0].permissions[0].permission_level: unknown value") for p in problems
    ), problems
    problems = _problems({"serving:scopes": scopes, "serving:v": {"secure": "x"}, "serving:endpoints": [nobody]})
    assert any(
        "permissions[0]" in p and "exactly one of user_name, group_name or service_principal_name" in p
        for p in problems
    ), problems


def test_bad_and_repeated_names_are_named_by_path() -> None:
    endpoint = yaml.safe_load((REPO_ROOT / "stacks" / "Pulumi.dev.yaml").read_text())["config"]["serving:endpoints"][0]
    _, problems = parse_declarations(
        {
            "scopes": [
                {"scope": "s", "secrets": [{"key": "k", "value_from": "c"}, {"key": "k", "value_from": "c"}]},
                {"scope": "s", "secrets": [{"key": "k", "value_from": "c"}, {"key": "bad/key", "value_from": "c"}]},
                {"scope": "bad scope", "secrets": []},
            ],
            "endpoints": [endpoint, endpoint, {**endpoint, "name": "bad name"}],
        }
    )
    found = {(p.path, p.message.split(" ")[0], "declared twice" in p.message) for p in problems}
    assert found == {
        ("scopes[0].secrets[1].key", "key", True),
        ("scopes[1].scope", "scope", True),
        ("scopes[1].secrets[0].key", "key", True),  # keys of a repeated scope count together
        ("scopes[1].secrets[1].key", "secret", False),
        ("scopes[2].scope", "scope", False),
        ("endpoints[1].name", "endpoint", True),
        ("endpoints[2].name", "endpoint", False),
    }
