"""`make demo` through the real Pulumi CLI: ports from the environment, one line for a busy port, and a Pulumi
CLI of another supported version on PATH used as is (a fake `go` first on PATH proves no build starts)."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.pulumi_stack import REPO_ROOT
from tests.support.server import free_port

pytestmark = pytest.mark.e2e

DEMO = REPO_ROOT / "scripts" / "demo.sh"
OTHER_VERSION = "3.250.0"  # supported, and not the version constraints.txt pins


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def demo_env(tmp_path: Path, port: int, upstream_port: int, path: str | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PULUMI", "DATABRICKS"))}
    return {
        **env,
        "PATH": path or env["PATH"],
        "PULUMI_SERVING_DEMO_DIR": str(tmp_path / "demo"),
        "PULUMI_SERVING_DEMO_PORT": str(port),
        "PULUMI_SERVING_DEMO_UPSTREAM_PORT": str(upstream_port),
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'backend'}",
        "PULUMI_HOME": str(tmp_path / "home"),
        "PULUMI_SERVING_CACHE": str(tmp_path / "empty-cache"),
    }


@pytest.mark.parametrize("which", ["PULUMI_SERVING_DEMO_PORT", "PULUMI_SERVING_DEMO_UPSTREAM_PORT"])
def test_a_busy_port_stops_the_demo_with_one_line_before_anything_starts(
    tmp_path: Path, busy_port: int, which: str
) -> None:
    ports = {
        "PULUMI_SERVING_DEMO_PORT": free_port(),
        "PULUMI_SERVING_DEMO_UPSTREAM_PORT": free_port(),
        which: busy_port,
    }
    env = demo_env(tmp_path, ports["PULUMI_SERVING_DEMO_PORT"], ports["PULUMI_SERVING_DEMO_UPSTREAM_PORT"])
    done = subprocess.run([str(DEMO)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"demo: port {busy_port} ({'the local serving API' if which == 'PULUMI_SERVING_DEMO_PORT' else 'the fake upstream providers'})"
        f" is already in use; free it or choose another with {which}=<port>"
    ]
    assert not list((tmp_path / "demo").glob("*.pid")) and not (tmp_path / "backend").exists()


def other_version_pulumi(tmp_path: Path, real_bin: Path) -> Path:
    """A `pulumi` that reports OTHER_VERSION and runs the real engine otherwise, with its Python plugins beside it."""
    wrapper = tmp_path / "other-pulumi"
    wrapper.mkdir()
    (wrapper / "pulumi").write_text(
        f'#!/bin/sh\n[ "$1" = version ] && [ $# -eq 1 ] && {{ echo v{OTHER_VERSION}; exit 0; }}\n'
        f'exec {real_bin / "pulumi"} "$@"\n'
    )
    (wrapper / "pulumi").chmod(0o755)
    for plugin in ("pulumi-language-python", "pulumi-language-python-exec", "pulumi-resource-pulumi-python"):
        (wrapper / plugin).symlink_to(real_bin / plugin)
    return wrapper


def test_make_demo_uses_another_pulumi_version_on_path_and_ports_from_the_environment(
    tmp_path: Path, pulumi_bin: Path
) -> None:
    go = tmp_path / "go-bin"
    go.mkdir()
    (go / "go").write_text(f'#!/bin/sh\necho "$@" >> {go}/calls\nexit 1\n')
    (go / "go").chmod(0o755)
    path = os.pathsep.join([str(other_version_pulumi(tmp_path, pulumi_bin)), str(go), os.environ["PATH"]])
    port, upstream_port = free_port(), free_port()
    env = demo_env(tmp_path, port, upstream_port, path)
    (tmp_path / "backend").mkdir()
    try:
        done = subprocess.run(["make", "demo"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"using pulumi v{OTHER_VERSION} on PATH" in done.stderr
        assert not (go / "calls").exists() and not (tmp_path / "empty-cache").exists()
        assert f"http://127.0.0.1:{port}" in done.stdout and f":{upstream_port}" in done.stdout
        assert "\033[" not in done.stdout  # not a terminal: no colour
        # The Azure endpoint was served by the fake upstream on the port from the environment.
        assert "--- azure-openai-completions-endpoint" in done.stdout
        azure_answer = done.stdout.split("--- azure-openai-completions-endpoint")[1].split("---")[0]
        assert '"choices"' in azure_answer or "choices" in azure_answer, azure_answer
        assert "REQUEST_LIMIT_EXCEEDED" in done.stdout + done.stderr
    finally:
        down = subprocess.run([str(DEMO), "down"], env=env, capture_output=True, text=True, timeout=300)
        assert down.returncode == 0, down.stdout + down.stderr
