"""Preview checks the credentials once, through the real Pulumi CLI: an unreachable host or a refused token
fails the preview naming ``serving:host`` / ``serving:token`` (it used to be green and only `up` failed), in one
error line and no traceback (issue 19)."""

from __future__ import annotations

import pytest

from tests.support.pulumi_stack import REPO_ROOT
from tests.support.server import free_port
from tests.support.stack_program import PROGRAM_FILES, declare

pytestmark = pytest.mark.e2e

SCOPES = [{"scope": "creds_keys", "secrets": [{"key": "k", "value_from": "key_value"}]}]


def test_preview_fails_naming_the_setting(pulumi_stack_factory, inprocess_live_server):
    unreachable = pulumi_stack_factory(
        REPO_ROOT,
        include=PROGRAM_FILES,
        config={"serving:host": f"http://127.0.0.1:{free_port()}"},
        secrets={"serving:token": "dapi-any", "serving:key_value": "v"},
    )
    declare(unreachable, scopes=SCOPES)
    failed = unreachable.preview(check=False)
    assert failed.returncode != 0
    assert "cannot reach the serving API at" in failed.output and "check serving:host" in failed.output, failed.output
    _one_line_without_traceback(failed.output, "check serving:host")

    refused = pulumi_stack_factory(
        REPO_ROOT,
        include=PROGRAM_FILES,
        stack="refused",
        config={"serving:host": inprocess_live_server.url},
        secrets={"serving:token": "dapi-not-a-token", "serving:key_value": "v"},
    )
    declare(refused, scopes=SCOPES)
    failed = refused.preview(check=False)
    assert failed.returncode != 0 and "check serving:token" in failed.output, failed.output
    assert "dapi-not-a-token" not in failed.output
    _one_line_without_traceback(failed.output, "check serving:token")


def _one_line_without_traceback(output: str, next_step: str) -> None:
    """The expected failure is one error diagnostic naming the next step; neither process prints a traceback."""
    lines = [line for line in output.splitlines() if next_step in line]
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
