"""The scaffolded CI workflow's own steps, read from its YAML and run as GitHub runs them (``bash --noprofile --norc
-eo pipefail``), against the local serving API through the real CLI: validate, the pull request's refreshed preview
(and the comment it writes), the merge's up, and the scheduled drift check, which passes on a converged stack and
fails, naming what drifted, after a change made with plain HTTP outside Pulumi.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from tests.support.pulumi_stack import REPO_ROOT, PulumiStack
from tests.support.scaffold import scaffolded_project

pytestmark = pytest.mark.e2e

OPENAI_KEY = "sk-workflow-91c4"
STACK = "dev"
ENDPOINT = "openai-completions-endpoint"  # the dev stack keeps the declared names
GITHUB_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]
PLANNED_REVERT = f"RateLimits {ENDPOINT}: ~ rate_limits[user].calls -> PUT"  # the planner's line for the drifted field


def run_step(project: Path, job: str, name: str) -> str:
    steps = yaml.safe_load((project / ".github" / "workflows" / "pulumi-serving.yml").read_text())["jobs"][job]["steps"]
    [script] = [s["run"] for s in steps if s.get("name", "").startswith(name)]
    if not (project / "policy").is_dir():
        # The policy pack ships with the template (`pulumi-serving new` writes policy/); until then none can run.
        script = script.replace(" --policy-pack policy", "")
    return script


class Runner:
    """Runs workflow steps in the scaffolded project with the stack's backend, the CLI and the project's virtualenv
    on PATH (as the install steps and GITHUB_PATH put them), and the job's variables."""

    def __init__(self, stack: PulumiStack, api: dict[str, str], summary: Path) -> None:
        self.cwd = stack.workdir
        path = f"{stack.pulumi_bin}:{REPO_ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"
        self.env = {**stack.env, **api, "PATH": path, "STACK": STACK, "GITHUB_STEP_SUMMARY": str(summary)}

    def run(self, job: str, name: str) -> subprocess.CompletedProcess[str]:
        script = run_step(self.cwd, job, name)
        return subprocess.run([*GITHUB_BASH, script], cwd=self.cwd, env=self.env, capture_output=True, text=True)


def test_the_workflows_steps_validate_preview_up_and_catch_drift(pulumi_stack_factory, inprocess_live_server, tmp_path):
    project = scaffolded_project(tmp_path / "infra")
    api = {"DATABRICKS_HOST": inprocess_live_server.url, "DATABRICKS_TOKEN": inprocess_live_server.admin_token}
    stack = pulumi_stack_factory(project, stack=STACK, secrets={"serving:openai_api_key": OPENAI_KEY}, env=api)
    summary = tmp_path / "summary.md"
    runner = Runner(stack, api, summary)
    comment = stack.workdir / "preview.md"

    validate = runner.run("preview", "Validate")
    assert validate.returncode == 0, validate.stderr
    assert validate.stdout == runner.run("up", "Validate").stdout

    preview = runner.run("preview", "Preview")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert "`pulumi preview --refresh` of stack `dev`: passed" in comment.read_text()
    assert f'"{ENDPOINT}"' in comment.read_text() and "+ 8 to create" in comment.read_text()

    up = runner.run("up", "Up")
    assert up.returncode == 0, up.stdout + up.stderr
    summary.unlink()  # the preview's copy
    converged = runner.run("drift", "Drift check")
    assert converged.returncode == 0, converged.stdout + converged.stderr
    assert not summary.exists()

    # A change made outside Pulumi, with plain HTTP: the endpoint's rate limit raised from 5 to 500 calls.
    changed = httpx.put(
        f"{inprocess_live_server.url}/api/2.0/serving-endpoints/{ENDPOINT}/ai-gateway",
        headers={"Authorization": f"Bearer {inprocess_live_server.admin_token}"},
        json={"rate_limits": [{"calls": 500, "key": "user", "renewal_period": "minute"}]},
        timeout=30,
    )
    assert changed.status_code == 200, changed.text

    drifted = runner.run("drift", "Drift check")
    assert drifted.returncode != 0, drifted.stdout
    report = summary.read_text()
    assert f"Stack `{STACK}` drifted" in report, report
    # The planner's line names the endpoint, the drifted field and the call that sets it back; then the resource.
    assert PLANNED_REVERT in report and "(update) openai-completions-endpoint/rate-limits" in report, report
    assert "1 to update" in report and "::error title=Drift in stack dev::" in drifted.stdout
    assert OPENAI_KEY not in drifted.stdout + report

    # The pull request's comment now carries the planner's line for the change it would set back.
    reverting = runner.run("preview", "Preview")
    assert reverting.returncode == 0, reverting.stdout + reverting.stderr
    assert PLANNED_REVERT in comment.read_text() and OPENAI_KEY not in comment.read_text()
