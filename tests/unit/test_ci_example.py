"""The CI workflow of the project template (.github/workflows/pulumi-serving.yml): pip-installed package, the official Pulumi action posting the preview to the pull
request, a supported CLI version, commands that exist, and OAuth M2M instead of a long-lived Databricks token."""

from __future__ import annotations

import shlex
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

from pulumi_serving.cli.main import build_parser
from tests.support.pulumi_stack import REPO_ROOT

WORKFLOW = (
    REPO_ROOT / "provider" / "pulumi_serving" / "templates" / "project" / "github" / "workflows" / "pulumi-serving.yml"
)


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def steps(job: str) -> list[dict]:
    return workflow()["jobs"][job]["steps"]


def test_installs_with_pip_and_never_builds_or_uses_the_repo_scripts() -> None:
    for job in ("preview", "up"):
        runs = [step["run"] for step in steps(job) if "run" in step]
        assert any("pip install" in run for run in runs), job
        for run in runs:
            assert not any(word in run for word in ("make ", "scripts/", ".venv/", "ensure-pulumi", "go ")), run


def test_pulumi_runs_through_the_official_action_at_a_supported_version() -> None:
    dependencies = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    [pulumi] = [r for r in map(Requirement, dependencies) if r.name == "pulumi"]
    assert pulumi.specifier.contains(workflow()["env"]["PULUMI_VERSION"])
    commands = {}
    for job in ("preview", "up"):
        [action] = [
            step
            for step in steps(job)
            if step.get("uses", "").startswith("pulumi/actions@") and "command" in step["with"]
        ]
        commands[job] = action["with"]
    assert commands["preview"]["command"] == "preview" and commands["up"]["command"] == "up"


def test_the_preview_is_posted_to_the_pull_request() -> None:
    assert workflow()[True]["pull_request"]  # YAML 1.1 reads the key `on` as True
    [action] = [step for step in steps("preview") if step.get("uses", "").startswith("pulumi/actions@")]
    assert action["with"]["comment-on-pr"] is True and action["with"]["diff"] is True
    assert workflow()["permissions"]["pull-requests"] == "write"


def test_databricks_auth_is_oauth_m2m_without_a_token() -> None:
    env = workflow()["env"]
    assert {"DATABRICKS_HOST", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET"} <= set(env)
    assert "DATABRICKS_TOKEN" not in WORKFLOW.read_text()


def test_every_pulumi_serving_command_parses(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.workspace.yaml"
    stack_file.write_text("config: {}\n")
    calls = [
        shlex.split(step["run"])
        for job in ("preview", "up")
        for step in steps(job)
        if step.get("run", "").startswith("pulumi-serving ")
    ]
    assert calls
    for argv in calls:
        args = [str(stack_file) if "*" in arg else arg for arg in argv[1:]]
        assert build_parser().parse_args(args).command == args[0]


def test_up_repairs_an_interrupted_run_before_it_and_state_is_a_shared_backend() -> None:
    names = [step.get("name", step.get("run", "")) for step in steps("up")]
    recover = names.index("Repair an interrupted earlier run")
    assert steps("up")[recover]["run"].startswith("pulumi-serving recover --stack")
    assert recover < names.index("Up")
    installs = [s for s in steps("up")[:recover] if s.get("uses", "").startswith("pulumi/actions@")]
    assert installs and "command" not in installs[0]["with"]  # the CLI is on PATH for the recover step
    assert workflow()["env"]["PULUMI_BACKEND_URL"].startswith("${{ secrets.")
    assert "postgres://" in WORKFLOW.read_text()
