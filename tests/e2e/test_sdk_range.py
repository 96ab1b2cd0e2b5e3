"""The package against the lowest and the newest supported pulumi SDK, through the real Pulumi CLI.

Each SDK runs in its own virtualenv (``tests/support/sdk_venvs.py``): the program, the dynamic provider and the local
serving API use it, while the CLI and language host are whatever ``ensure-pulumi.sh`` provides, so SDK and CLI
versions differ.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.inventory import endpoints_on, scopes_on
from tests.support.payloads import create_body, openai_entity
from tests.support.pulumi_stack import REPO_ROOT
from tests.support.sdk_venvs import NEWEST_SDK, lowest_sdk, sdk_venv
from tests.support.server import start_server

pytestmark = pytest.mark.e2e

PROGRAM = REPO_ROOT / "tests" / "e2e" / "programs" / "sdk_range"
OPENAI_KEY = "sk-sdk-range-61c0"
MODULES = [
    "pulumi_serving",
    "pulumi_serving.resources",
    "pulumi_serving.client",
    "pulumi_serving.plan",
    "pulumi_serving.payloads.declarations",
    "pulumi_serving.cli.main",
    "pulumi_serving.server.app",
]


@pytest.mark.parametrize(("label", "expected"), [("lowest", lowest_sdk()), ("newest", NEWEST_SDK)])
def test_up_preview_refresh_destroy_with_each_supported_sdk(label, expected, pulumi_stack_factory, tmp_path):
    python = sdk_venv(label)
    live_server = start_server(tmp_path / "serving", update_delay=0, cli=[str(python.with_name("pulumi-serving"))])
    try:
        assert str(python.parent) in Path(f"/proc/{live_server.pid}/cmdline").read_text()  # served from the venv
        run_stack(python, expected, pulumi_stack_factory, live_server)
    finally:
        live_server.stop()


def run_stack(python, expected, pulumi_stack_factory, live_server):
    # The package imports without a warning at this end of every range (e.g. pydantic's protected namespaces).
    imports = "; ".join(f"import {module}" for module in MODULES)
    subprocess.run([str(python), "-W", "error", "-c", imports], check=True, cwd=REPO_ROOT.parent)
    for args in (["--version"], ["completion", "bash"], ["validate", str(REPO_ROOT / "stacks" / "Pulumi.dev.yaml")]):
        subprocess.run([str(python.with_name("pulumi-serving")), *args], check=True, capture_output=True)

    stack = pulumi_stack_factory(
        PROGRAM,
        config={"serving:host": live_server.url},
        secrets={"serving:token": live_server.admin_token, "openaiApiKey": OPENAI_KEY},
        env={"PULUMI_PYTHON_CMD": str(python)},
    )
    stack.up()
    assert stack.outputs()["sdk_version"] == expected
    endpoint = endpoints_on(live_server)["sdk-range-endpoint"]
    assert endpoint["ai_gateway"]["rate_limits"] == [{"calls": 20, "key": "user", "renewal_period": "minute"}]
    assert OPENAI_KEY not in stack.export_text()

    stack.preview(expect_no_changes=True)
    stack.refresh(expect_no_changes=True)

    # an expected failure of a create is one line, without the traceback newer SDKs attach to a provider's error
    with live_server.client() as api:
        api.post(
            "/api/2.0/serving-endpoints",
            json=create_body("sdk-range-taken", openai_entity("m", {"openai_api_key_plaintext": "sk-theirs"})),
        ).raise_for_status()
    stack.set_config({"taken": "true"})
    failed = stack.up(check=False)
    assert failed.returncode != 0 and "already exists and this stack did not create it" in failed.output
    assert "Traceback" not in failed.output and "KeyboardInterrupt" not in failed.output, failed.output
    assert "Exception calling application" not in failed.output, failed.output  # gRPC's wrapping of a raise
    stack.run("config", "rm", "taken")
    stack.destroy()
    assert "sdk-range-endpoint" not in endpoints_on(live_server) and "sdk_range_scope" not in scopes_on(live_server)
