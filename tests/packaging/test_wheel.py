"""`pip wheel .` builds a wheel holding everything an installed user needs. Installed into a fresh venv that already
holds the newest pulumi SDK (no extras, used outside the repo), it leaves that pulumi in place, its command runs,
its typing marker is there and it finds the declarations' JSON Schema."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.pulumi_stack import REPO_ROOT
from tests.support.sdk_venvs import NEWEST_SDK, UV

PACKAGE = REPO_ROOT / "provider" / "pulumi_serving"
SCHEMAS = REPO_ROOT / "schemas"


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    workdir: Path

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
        return subprocess.run(argv, cwd=self.workdir, env=env, capture_output=True, text=True, timeout=120)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(str(self.venv / "bin" / "pulumi-serving"), *args)

    def python(self, code: str) -> subprocess.CompletedProcess[str]:
        return self.run(str(self.venv / "bin" / "python"), "-c", code)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(root / "dist"), str(REPO_ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = (root / "dist").glob("pulumi_serving-*.whl")
    venv = root / "venv"
    # the user's venv, with pip (made by uv from its cache: how the user made it is not under test)
    subprocess.run(
        [str(UV), "venv", "--quiet", "--seed", "--python", sys.executable, str(venv)], check=True, timeout=120
    )
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    # The user's project already has the newest pulumi (set up with uv from its cache: the user's own install is not
    # under test); the wheel is then installed with pip, as the README says, the rest from our pins.
    user_pulumi = subprocess.run(
        [str(UV), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), f"pulumi=={NEWEST_SDK}"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert user_pulumi.returncode == 0, user_pulumi.stdout + user_pulumi.stderr
    others = root / "constraints-without-pulumi.txt"
    others.write_text(
        "".join(
            line
            for line in (REPO_ROOT / "constraints.txt").read_text().splitlines(True)
            if not line.startswith("pulumi==")
        )
    )
    install = subprocess.run([*pip, "-c", str(others), str(wheel)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stdout + install.stderr
    workdir = root / "infra-repo"  # a user's project: no access to this repository's files
    workdir.mkdir()
    yield Installed(wheel, venv, workdir)
    shutil.rmtree(root, ignore_errors=True)


def test_the_wheel_holds_every_module_the_typing_marker_and_the_package_data(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    sources = {
        f"pulumi_serving/{p.relative_to(PACKAGE).as_posix()}"
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix in {".py", ".json", ".typed"} and "__pycache__" not in p.parts
    }
    assert "pulumi_serving/py.typed" in sources
    assert sources <= names, sorted(sources - names)
    assert not any(name.startswith(("tests/", "schemas/", "stacks/")) for name in names)
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert (
        "pulumi-serving = pulumi_serving.cli.main:main" in zipfile.ZipFile(installed.wheel).read(entry_points).decode()
    )


def test_installing_leaves_the_users_newer_pulumi_in_place(installed: Installed) -> None:
    done = installed.python("from importlib.metadata import version; print(version('pulumi'))")
    assert done.stdout.strip() == NEWEST_SDK, done.stderr


def test_installed_command_version_completion_and_typing_marker(installed: Installed) -> None:
    version = installed.cli("--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("pulumi-serving ")
    assert installed.cli("completion", "bash").returncode == 0
    marker = installed.python(
        "import pathlib, pulumi_serving; print((pathlib.Path(pulumi_serving.__file__).parent / 'py.typed').is_file())"
    )
    assert marker.stdout.strip() == "True", marker.stderr


def test_installed_package_validates_a_stack_file_with_the_declarations_schema(installed: Installed) -> None:
    stack_file = installed.workdir / "Pulumi.dev.yaml"
    shutil.copy(REPO_ROOT / "stacks" / "Pulumi.dev.yaml", stack_file)
    done = installed.cli("validate", str(stack_file))
    assert done.returncode == 0, done.stderr
    # Every schema of the repo's schemas/ is bundled, byte for byte, where the stack-file mode reads it.
    schema_files = sorted(SCHEMAS.glob("*.json"))
    assert {f.name for f in schema_files} >= {"stack-declarations.schema.json", "stack-file.schema.json"}
    for schema_file in schema_files:
        found = installed.python(
            "import sys; from pulumi_serving.stack.schemas import bundled_schema_text; "
            f"sys.stdout.write(bundled_schema_text({schema_file.name!r}))"
        )
        assert found.returncode == 0, found.stderr
        assert found.stdout == schema_file.read_text(), schema_file.name


def test_serve_without_the_server_extra_names_the_extra(installed: Installed) -> None:
    done = installed.cli("serve", "--port", "0", "--data-dir", str(installed.workdir / "data"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "pip install 'pulumi-serving[server]'" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_installed_package_scaffolds_a_project_from_its_template(installed: Installed) -> None:
    done = installed.cli("new", "scaffolded")
    assert done.returncode == 0, done.stderr
    project = installed.workdir / "scaffolded"
    for name in (
        "Pulumi.yaml",
        "__main__.py",
        ".github/workflows/pulumi-serving.yml",
        "stacks/Pulumi.dev.yaml",
        "stacks/Pulumi.staging.yaml",
        "stacks/Pulumi.prod.yaml",
        "schemas/stack-file.schema.json",
        "README.md",
        "requirements.txt",
        "policy/PulumiPolicy.yaml",
        "policy/__main__.py",
        "policy/requirements.txt",
    ):
        assert (project / name).is_file(), name


def test_the_policy_pack_without_the_policy_extra_names_the_extra(installed: Installed) -> None:
    done = installed.python("from pulumi_serving.policy import run_pack; run_pack()")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "pip install 'pulumi-serving[policy]'" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_installed_package_exports_every_resource_and_typed_argument_at_the_top_level(installed: Installed) -> None:
    done = installed.python(
        "from pulumi_serving import (ServingEndpoint, SecretScope, Secret, SecretAcl, RateLimits, "
        "EndpointsReady, EndpointPermissions, ServedEntityArgs, ExternalModelArgs); "
        "import pulumi_serving.stack as s; print(s.bundled_schema('stack-file.schema.json')['$id'])"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("stack-file.schema.json")
