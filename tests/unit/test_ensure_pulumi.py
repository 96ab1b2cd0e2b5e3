"""scripts/ensure-pulumi.sh: which Pulumi CLI it picks, and how it fails when it can get none."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.e2e.harness import ENSURE_PULUMI

TOOLS = ("pulumi", "pulumi-language-python", "pulumi-language-python-exec", "pulumi-resource-pulumi-python")


def fake_pulumi_dir(root: Path, version: str) -> Path:
    """A directory with a `pulumi` that reports ``version`` and the three Python plugins beside it."""
    root.mkdir(parents=True)
    for tool in TOOLS:
        script = root / tool
        script.write_text(f"#!/bin/sh\necho v{version}\n")
        script.chmod(0o755)
    return root


def run(version: str, path_dirs: list[Path], cache: Path) -> subprocess.CompletedProcess[str]:
    env = {"HOME": os.environ["HOME"], "PULUMI_SERVING_CACHE": str(cache),
           "PATH": os.pathsep.join([*map(str, path_dirs), "/usr/bin", "/bin"])}
    return subprocess.run([str(ENSURE_PULUMI), version], env=env, capture_output=True, text=True, timeout=60)


def test_a_pulumi_on_path_at_the_pinned_version_is_used_as_is(tmp_path: Path) -> None:
    on_path = fake_pulumi_dir(tmp_path / "bin", "9.9.9")
    done = run("9.9.9", [on_path], tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(on_path)
    assert "on PATH" in done.stderr
    assert not (tmp_path / "cache").exists()


def test_without_go_or_a_matching_cli_it_fails_and_says_how_to_fix_it(tmp_path: Path) -> None:
    wrong_version = fake_pulumi_dir(tmp_path / "bin", "1.0.0")
    assert not any((Path(d) / "go").exists() for d in ("/usr/bin", "/bin"))
    done = run("9.9.9", [wrong_version], tmp_path / "cache")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "no pulumi v9.9.9 on PATH" in done.stderr
    assert "install Go" in done.stderr and "get.pulumi.com" in done.stderr


def test_a_cached_build_is_reused_until_the_language_host_source_changes(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cached = fake_pulumi_dir(cache / "pulumi-9.9.9" / "bin", "9.9.9")
    langhost = ENSURE_PULUMI.parent.parent / "tools" / "langhost"
    digest = subprocess.run("cat main.go go.mod go.sum | sha256sum | cut -c1-16", shell=True, cwd=langhost,
                            capture_output=True, text=True, check=True).stdout
    (cached / ".langhost-digest").write_text(digest)
    done = run("9.9.9", [], cache)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(cached) and "using cached" in done.stderr

    (cached / ".langhost-digest").write_text("stale\n")
    rebuilt = run("9.9.9", [], cache)  # no Go on this PATH: a stale cache is not silently reused
    assert rebuilt.returncode == 1 and "using cached" not in rebuilt.stderr
