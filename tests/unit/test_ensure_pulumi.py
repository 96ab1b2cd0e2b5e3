"""scripts/ensure-pulumi.sh: which Pulumi CLI it picks, when it builds, and how it fails when it can get none.

A fake ``go`` first on PATH records every call, so "no build started" is asserted, not assumed.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.pulumi_stack import ENSURE_PULUMI

TOOLS = ("pulumi", "pulumi-language-python", "pulumi-language-python-exec", "pulumi-resource-pulumi-python")
PINNED = "3.259.0"


def fake_pulumi_dir(root: Path, version: str, tools: tuple[str, ...] = TOOLS) -> Path:
    """A directory whose `pulumi` reports ``version``, with the given Python plugins beside it."""
    root.mkdir(parents=True)
    for tool in tools:
        script = root / tool
        script.write_text(f"#!/bin/sh\necho v{version}\n")
        script.chmod(0o755)
    return root


def fake_go(root: Path) -> Path:
    """A `go` that records its calls in ``root/go-calls`` and fails (a build started would show here)."""
    root.mkdir(parents=True)
    go = root / "go"
    go.write_text(f'#!/bin/sh\necho "$@" >> {root}/go-calls\nexit 1\n')
    go.chmod(0o755)
    return root


def run(
    path_dirs: list[Path], cache: Path, version: str = PINNED, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        "HOME": os.environ["HOME"],
        "PULUMI_SERVING_CACHE": str(cache),
        "PATH": os.pathsep.join([*map(str, path_dirs), "/usr/bin", "/bin"]),
        **(extra_env or {}),
    }
    return subprocess.run([str(ENSURE_PULUMI), version], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("version", ["3.216.0", "3.250.0", "3.259.0", "3.299.1", "3.240.0-dev.0"])
def test_a_supported_pulumi_of_any_version_on_path_is_used_without_a_build(tmp_path: Path, version: str) -> None:
    go = fake_go(tmp_path / "go")
    on_path = fake_pulumi_dir(tmp_path / "bin", version)
    done = run([go, on_path], tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(on_path)
    assert f"using pulumi v{version} on PATH" in done.stderr
    assert not (go / "go-calls").exists() and not (tmp_path / "cache").exists()


def test_python_plugins_found_elsewhere_on_path_are_enough(tmp_path: Path) -> None:
    cli = fake_pulumi_dir(tmp_path / "cli", "3.250.0", ("pulumi",))
    plugins = fake_pulumi_dir(tmp_path / "plugins", "3.250.0", TOOLS[1:])
    done = run([fake_go(tmp_path / "go"), cli, plugins], tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(cli)


@pytest.mark.parametrize(
    ("version", "reason"),
    [
        ("3.215.0", "supported is >=3.216.0,<4"),
        ("4.0.0", "supported is >=3.216.0,<4"),
        ("2.25.2", "supported is >=3.216.0,<4"),
    ],
)
def test_a_pulumi_outside_the_supported_range_is_ignored_with_the_reason(
    tmp_path: Path, version: str, reason: str
) -> None:
    on_path = fake_pulumi_dir(tmp_path / "bin", version)
    done = run([on_path], tmp_path / "cache")  # no Go: it cannot build either
    assert done.returncode == 1 and done.stdout == ""
    assert f"reports 'v{version}'" in done.stderr and reason in done.stderr


def test_a_pulumi_without_its_python_plugins_is_ignored_with_the_reason(tmp_path: Path) -> None:
    on_path = fake_pulumi_dir(tmp_path / "bin", "3.250.0", ("pulumi", "pulumi-language-python"))
    done = run([on_path], tmp_path / "cache")
    assert done.returncode == 1 and done.stdout == ""
    assert "Python plugins" in done.stderr and "pulumi-language-python-exec" in done.stderr


def test_without_go_or_a_usable_cli_it_fails_and_says_how_to_fix_it(tmp_path: Path) -> None:
    assert not any((Path(d) / "go").exists() for d in ("/usr/bin", "/bin"))
    done = run([], tmp_path / "cache")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "no usable pulumi on PATH (supported: >=3.216.0,<4)" in done.stderr
    assert "install Go" in done.stderr and "get.pulumi.com" in done.stderr


def test_a_build_is_announced_with_its_expected_time_before_go_runs(tmp_path: Path) -> None:
    go = fake_go(tmp_path / "go")
    done = run([go], tmp_path / "cache")
    assert done.returncode != 0
    announced = done.stderr.index(f"building pulumi v{PINNED}")
    assert "about 5 min" in done.stderr[announced:] and "A pulumi >=3.216.0,<4 on PATH skips this" in done.stderr
    assert "mod download" in (go / "go-calls").read_text()


def test_asking_for_a_build_ignores_a_supported_pulumi_on_path(tmp_path: Path) -> None:
    go = fake_go(tmp_path / "go")
    on_path = fake_pulumi_dir(tmp_path / "bin", "3.250.0")
    done = run([go, on_path], tmp_path / "cache", extra_env={"PULUMI_SERVING_BUILD_PULUMI": "1"})
    assert "not looking for a pulumi on PATH" in done.stderr and "building pulumi" in done.stderr
    assert (go / "go-calls").exists()


def langhost_digest() -> str:
    """The digest of tools/langhost's source (every Go file, go.mod, go.sum) the script keys its cache on."""
    return subprocess.run(
        "cat *.go go.mod go.sum | sha256sum | cut -c1-16",
        shell=True,
        cwd=ENSURE_PULUMI.parent.parent / "tools" / "langhost",
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def building_go(root: Path, sdk: Path) -> Path:
    """A `go` that records its calls, answers ``mod download`` with ``sdk`` and makes each ``build -o OUT``
    write a script printing ``built``."""
    root.mkdir(parents=True)
    go = root / "go"
    go.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {root}/go-calls\n'
        'case "$1" in\n'
        '  version) echo "go version go1.26.0 linux/amd64" ;;\n'
        f'  mod) echo \'{{"Dir": "{sdk}"}}\' ;;\n'
        '  build) while [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done\n'
        '         printf \'#!/bin/sh\\necho built\\n\' > "$out" && chmod +x "$out" ;;\n'
        "esac\n"
    )
    go.chmod(0o755)
    return root


def test_a_changed_language_host_rebuilds_only_the_language_host(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cached = fake_pulumi_dir(cache / f"pulumi-{PINNED}" / "bin", PINNED)
    (cached / ".langhost-digest").write_text("stale\n")
    sdk = tmp_path / "sdk"
    fake_pulumi_dir(sdk / "python" / "dist", PINNED, ("pulumi-resource-pulumi-python",))
    fake_pulumi_dir(sdk / "python" / "cmd", PINNED, ("pulumi-language-python-exec",))
    go = building_go(tmp_path / "go", sdk)
    done = run([go], cache, extra_env={"PULUMI_SERVING_BUILD_PULUMI": "1"})
    assert done.returncode == 0, done.stderr
    assert "rebuilding the Python language host" in done.stderr and "about 5 min" not in done.stderr
    assert "already built, keeping it" in done.stderr
    builds = [call for call in (go / "go-calls").read_text().splitlines() if call.startswith("build")]
    assert len(builds) == 1 and "pulumi-language-python" in builds[0], builds
    assert (cached / "pulumi").read_text() == f"#!/bin/sh\necho v{PINNED}\n"  # the CLI kept as it was
    assert subprocess.run([cached / "pulumi-language-python"], capture_output=True, text=True).stdout == "built\n"
    assert (cached / ".langhost-digest").read_text() == langhost_digest()


def test_a_cached_build_is_reused_until_the_language_host_source_changes(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cached = fake_pulumi_dir(cache / f"pulumi-{PINNED}" / "bin", PINNED)
    (cached / ".langhost-digest").write_text(langhost_digest())
    done = run([], cache)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(cached) and "using cached" in done.stderr

    (cached / ".langhost-digest").write_text("stale\n")
    rebuilt = run([], cache)  # no Go on this PATH: a stale cache is not silently reused
    assert rebuilt.returncode == 1 and "using cached" not in rebuilt.stderr
