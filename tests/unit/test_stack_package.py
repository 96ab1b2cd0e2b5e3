"""The stack-file mode ships in the package: bundled schemas, a one-call program, the whole-stack-file schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from pulumi_serving.stack import bundled_schema
from pulumi_serving.stack.schemas import NAMES, bundled_schema_text
from tests.support.pulumi_stack import REPO_ROOT
from tests.support.repo_scripts import load_script


@pytest.mark.parametrize("name", NAMES)
def test_checked_in_and_bundled_schemas_are_not_stale(name: str) -> None:
    expected = load_script("schemas/generate.py").render(name)
    assert (REPO_ROOT / "schemas" / name).read_text() == expected, "stale: run `python schemas/generate.py`"
    assert bundled_schema_text(name) == expected, "stale bundled copy: run `python schemas/generate.py`"


def test_bundled_schema_is_found_outside_the_repository(tmp_path: Path) -> None:
    code = "from pulumi_serving.stack import bundled_schema; print(bundled_schema()['$id'])"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith("stack-declarations.schema.json")


def test_repo_program_is_one_call_and_pulumi_yaml_names_its_virtualenv() -> None:
    program = (REPO_ROOT / "stacks" / "__main__.py").read_text()
    assert "pulumi_serving.stack.declare()" in program and "schemas" not in program
    runtime = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())["runtime"]
    assert runtime["name"] == "python" and runtime["options"]["virtualenv"] == ".venv"
    assert (REPO_ROOT / "stacks" / ".venv").resolve() == (REPO_ROOT / ".venv").resolve()  # `make venv` links it


def _errors(document: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(bundled_schema("stack-file.schema.json"))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_whole_stack_file_schema_accepts_pulumi_keys_and_the_checked_in_stack_files() -> None:
    for stack_file in sorted((REPO_ROOT / "stacks").glob("Pulumi.*.yaml")):
        assert _errors(yaml.safe_load(stack_file.read_text())) == [], stack_file
    document = {
        "encryptionsalt": "v1:abc",
        "environment": ["platform/serving-keys"],
        "config": {
            "serving:endpoints": "[]",
            "serving:host": "https://x",
            "aws:region": "us-east-1",
            "serving:token": {"secure": "v1:..."},
        },
    }
    assert _errors(document) == []
    # The declarations-only schema, given to editors until now, refused a whole stack file.
    assert jsonschema.Draft202012Validator(bundled_schema()).is_valid({"config": {}, "encryptionsalt": "x"}) is False


def test_whole_stack_file_schema_types_the_declarations() -> None:
    assert any(e.startswith(": Additional properties") for e in _errors({"config": {}, "confg": {}}))
    bad = {"config": {"serving:endpoints": [{"name": "e", "config": {"served_entities": [{"nme": "x"}]}}]}}
    assert [e for e in _errors(bad) if e.startswith("config/serving:endpoints")]
    assert _errors({"config": {"serving:wait_timeout": -1}})


def test_validate_accepts_secret_values_from_an_esc_environment_import(tmp_path: Path) -> None:
    from pulumi_serving.cli.validate import validate_file
    from pulumi_serving.payloads.declarations import json_schema

    scopes = [{"scope": "keys", "secrets": [{"key": "openai", "value_from": "openai_api_key"}]}]
    stack_file = tmp_path / "Pulumi.prod.yaml"
    stack_file.write_text(yaml.safe_dump({"config": {"serving:scopes": scopes}}))
    [missing] = validate_file(stack_file, json_schema())
    assert "serving:openai_api_key is not set" in missing.message
    stack_file.write_text(
        yaml.safe_dump({"environment": ["platform/serving-keys"], "config": {"serving:scopes": scopes}})
    )
    assert validate_file(stack_file, json_schema()) == []
    # A value the file itself holds in plaintext is still refused, environment or not.
    stack_file.write_text(
        yaml.safe_dump(
            {
                "environment": ["platform/serving-keys"],
                "config": {"serving:scopes": scopes, "serving:openai_api_key": "sk-x"},
            }
        )
    )
    [plaintext] = validate_file(stack_file, json_schema())
    assert "not plaintext" in plaintext.message and "sk-x" not in plaintext.message
