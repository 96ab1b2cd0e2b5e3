"""``pulumi-serving new DIR``: the scaffolded infra repo's files, and its stack files pass validate and the schema."""

from __future__ import annotations

import runpy
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import pulumi_serving.policy
from pulumi_serving.cli.new import requirement, scaffold
from pulumi_serving.cli.validate import validate_file
from pulumi_serving.payloads.declarations import json_schema
from pulumi_serving.policy import RULES, RULES_BY_NAME, Level, pack_config
from pulumi_serving.stack import bundled_schema
from tests.support.pulumi_stack import REPO_ROOT

CLI = REPO_ROOT / ".venv" / "bin" / "pulumi-serving"
FILES = {
    "Pulumi.yaml",
    "__main__.py",
    "README.md",
    "requirements.txt",
    ".gitignore",
    ".github/workflows/pulumi-serving.yml",
    "stacks/Pulumi.dev.yaml",
    "stacks/Pulumi.staging.yaml",
    "stacks/Pulumi.prod.yaml",
    "schemas/stack-file.schema.json",
    "policy/PulumiPolicy.yaml",
    "policy/__main__.py",
    "policy/requirements.txt",
}


def test_new_writes_the_project(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(CLI), "new", str(tmp_path / "infra"), "--virtualenv", "venv"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    project = tmp_path / "infra"
    assert {str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()} == FILES
    pulumi_yaml = yaml.safe_load((project / "Pulumi.yaml").read_text())
    assert pulumi_yaml["name"] == "infra" and pulumi_yaml["stackConfigDir"] == "stacks"
    assert pulumi_yaml["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    assert "main" not in pulumi_yaml  # the program beside Pulumi.yaml: both Pulumi hosts find the same venv
    assert (project / "__main__.py").read_text().strip().endswith("pulumi_serving.stack.declare()")
    assert (project / "requirements.txt").read_text().strip() == requirement()
    assert requirement().startswith("pulumi-serving>=") and ",<" in requirement()
    assert {"serving:scopes", "serving:endpoints"} <= set(pulumi_yaml["config"])  # shared by every stack
    for stack in ("dev", "staging", "prod"):  # the serving API comes from the environment, as in CI
        assert "serving:host" not in yaml.safe_load((project / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    workflow = (project / ".github" / "workflows" / "pulumi-serving.yml").read_text()
    assert set(yaml.safe_load(workflow)["jobs"]) == {"preview", "up", "drift"}
    assert "python -m venv venv" in workflow  # the virtualenv Pulumi.yaml names
    text = "".join(p.read_text() for p in project.rglob("*") if p.is_file())
    assert not [t for t in ("__PROJECT__", "__VIRTUALENV__", "__REQUIREMENT__") if t in text]


def test_the_policy_pack_runs_on_the_project_virtualenv_with_the_policy_extra(tmp_path: Path) -> None:
    scaffold(tmp_path / "relative", name="infra", virtualenv=".venv")
    scaffold(tmp_path / "absolute", name="infra", virtualenv="/opt/venvs/infra")
    for project, named in ((tmp_path / "relative", "../.venv"), (tmp_path / "absolute", "/opt/venvs/infra")):
        pack = yaml.safe_load((project / "policy" / "PulumiPolicy.yaml").read_text())
        assert pack["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": named}}
        assert (project / "policy" / "requirements.txt").read_text().strip() == requirement("policy")
    assert requirement("policy").startswith("pulumi-serving[policy]>=")


def test_the_scaffolded_pack_configures_every_rule_validly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scaffold(tmp_path, name="infra", virtualenv=".venv")
    calls: list[Any] = []
    monkeypatch.setattr(pulumi_serving.policy, "run_pack", lambda config=None, **_: calls.append(config))
    runpy.run_path(str(tmp_path / "policy" / "__main__.py"), run_name="__main__")
    [config] = calls
    assert set(config) == set(RULES_BY_NAME)
    checked = pack_config(config, RULES)
    assert checked["external-model-rate-limits"].level is Level.MANDATORY
    assert checked["required-tags"].level is Level.ADVISORY and checked["required-tags"].settings == {"tags": ["team"]}


def test_dev_host_pins_only_the_dev_stack(tmp_path: Path) -> None:
    scaffold(tmp_path, name="infra", virtualenv=".venv", dev_host="http://127.0.0.1:9999")
    stacks = {
        name: yaml.safe_load((tmp_path / "stacks" / f"Pulumi.{name}.yaml").read_text())["config"]
        for name in ("dev", "staging", "prod")
    }
    assert stacks["dev"]["serving:host"] == "http://127.0.0.1:9999"
    assert "serving:endpoint_overrides" in stacks["dev"]  # the rest of the file is kept
    assert "serving:host" not in stacks["staging"] and "serving:host" not in stacks["prod"]


def test_new_refuses_to_overwrite_and_bad_names(tmp_path: Path) -> None:
    scaffold(tmp_path, name="infra", virtualenv=".venv")
    before = (tmp_path / "README.md").read_text()
    again = subprocess.run([str(CLI), "new", str(tmp_path)], capture_output=True, text=True, check=False)
    assert again.returncode == 1 and "nothing was written" in again.stderr
    assert (tmp_path / "README.md").read_text() == before
    bad = subprocess.run(
        [str(CLI), "new", str(tmp_path / "x"), "--name", "bad name"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2 and "--name" in bad.stderr and not (tmp_path / "x").exists()


def test_scaffolded_stack_files_validate_once_their_secure_values_are_set(tmp_path: Path) -> None:
    scaffold(tmp_path, name="infra", virtualenv=".venv")
    validator = jsonschema.Draft202012Validator(bundled_schema("stack-file.schema.json"))
    for stack in ("dev", "staging", "prod"):
        stack_file = tmp_path / "stacks" / f"Pulumi.{stack}.yaml"
        document = yaml.safe_load(stack_file.read_text())
        assert list(validator.iter_errors(document)) == []
        [missing] = validate_file(stack_file, json_schema())  # checked as merged with Pulumi.yaml, which names it
        assert "serving:openai_api_key is not set" in missing.message and missing.file.endswith("Pulumi.yaml")
        document["config"]["serving:openai_api_key"] = {"secure": "v1:abc"}
        stack_file.write_text(yaml.safe_dump(document))
        assert validate_file(stack_file, json_schema()) == []
