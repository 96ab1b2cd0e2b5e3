"""The e2e harness drives the real Pulumi CLI through a whole stack lifecycle with a package resource."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.inventory import scopes_on
from tests.support.pulumi_stack import REPO_ROOT, PulumiStack

pytestmark = pytest.mark.e2e

PROGRAM = Path(__file__).parent / "programs" / "one_scope"
SCOPE_TYPE = "pulumi-python:dynamic/serving:SecretScope"


def test_pulumi_cli_is_a_supported_version(pulumi_bin: Path) -> None:
    import subprocess
    import tomllib

    from packaging.requirements import Requirement

    reported = subprocess.run([str(pulumi_bin / "pulumi"), "version"], capture_output=True, text=True, check=True)
    print(f"pulumi CLI under test: {reported.stdout.strip()} ({pulumi_bin})")
    dependencies = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    [pulumi] = [r for r in map(Requirement, dependencies) if r.name == "pulumi"]
    assert pulumi.specifier.contains(reported.stdout.strip().lstrip("v"), prereleases=True)


def test_lifecycle_and_provider_code_edits(pulumi_stack_factory, inprocess_live_server, tmp_path: Path) -> None:
    # Run the program and the dynamic provider from a private copy of the package, so the test can edit it.
    package_copy = tmp_path / "pkg"
    shutil.copytree(
        REPO_ROOT / "provider" / "pulumi_serving",
        package_copy / "pulumi_serving",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    stack: PulumiStack = pulumi_stack_factory(
        PROGRAM,
        config={"scope": "harness-scope", "serving:host": inprocess_live_server.url},
        secrets={"serving:token": inprocess_live_server.admin_token},
        env={"PYTHONPATH": str(package_copy)},
    )

    created = stack.up()
    assert "created" in created.stdout
    assert "harness-scope" in scopes_on(inprocess_live_server)
    [scope] = stack.resources(SCOPE_TYPE)
    assert scope["id"] == "harness-scope"
    # The provider is pickled by reference: a module path and class name, not code.
    assert inprocess_live_server.admin_token not in stack.export_text()

    stack.preview(expect_no_changes=True)

    # Edit a method body of the provider class: a by-value pickle would now differ and show ~__provider.
    provider_module = package_copy / "pulumi_serving" / "resources" / "secret_scope.py"
    source = provider_module.read_text()
    signature = "    def read(self, id_: str, props: Json) -> ReadResult:\n"
    assert signature in source
    provider_module.write_text(source.replace(signature, signature + "        _edited_after_up = True\n"))
    after_edit = stack.preview(expect_no_changes=True)
    assert "__provider" not in after_edit.output
    steps = stack.preview_json()["steps"]
    assert {step["op"] for step in steps} == {"same"}, steps

    stack.refresh(expect_no_changes=True)

    stack.destroy()
    assert "harness-scope" not in scopes_on(inprocess_live_server)
    assert stack.resources(SCOPE_TYPE) == []
