"""The repo's stack program outside the repository: only Pulumi.yaml and stacks/ copied (the schema is bundled in
the package), previewed by a plain ``pulumi preview`` with no interpreter chosen for it (Pulumi.yaml names it)."""

from __future__ import annotations

import subprocess

import pytest

from tests.support.stack_program import DEV_PASSPHRASE

pytestmark = pytest.mark.e2e


def test_plain_pulumi_preview_of_the_copied_dev_stack(program_stack, pulumi_bin, inprocess_live_server):
    stack = program_stack(inprocess_live_server, stack="dev", env={"PULUMI_CONFIG_PASSPHRASE": DEV_PASSPHRASE})
    assert not (stack.workdir / "schemas").exists()
    # No PULUMI_PYTHON_CMD and no venv on PATH: python3 on PATH cannot import pulumi, so only the virtualenv
    # named in Pulumi.yaml can run the program and the dynamic providers.
    env = {k: v for k, v in stack.env.items() if k != "PULUMI_PYTHON_CMD"}
    env.update(PATH=f"{pulumi_bin}:/usr/bin:/bin", PULUMI_SKIP_UPDATE_CHECK="true", PIP_DISABLE_PIP_VERSION_CHECK="1")
    bare = subprocess.run(["python3", "-c", "import pulumi"], env=env, capture_output=True, check=False)
    assert bare.returncode != 0  # the python3 on PATH has no pulumi
    done = subprocess.run(
        [str(pulumi_bin / "pulumi"), "preview", "--non-interactive"],
        cwd=stack.workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "+ 11 to create" in done.stdout and "error" not in done.stdout, done.stdout
