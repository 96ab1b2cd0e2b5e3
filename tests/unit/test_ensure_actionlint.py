"""scripts/ensure-actionlint.sh: a cached actionlint of the wanted version is reused without building; a missing one
is built with `go install` into the cache; without Go it fails saying what to install (never a silent skip).

A fake ``go`` first on PATH records every call and "installs" a fake actionlint, so builds are asserted, not assumed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.support.pulumi_stack import REPO_ROOT

ENSURE = REPO_ROOT / "scripts" / "ensure-actionlint.sh"
#: What the script runs besides go: linked into a directory of their own, so no `go` of the machine is on PATH.
TOOLS = ("bash", "env", "mktemp", "rm", "mv", "mkdir", "date", "chmod", "cat")


def base_path(root: Path) -> str:
    bin_dir = root / "tools"
    bin_dir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def fake_actionlint(path: Path, version: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho {version}\necho 'installed by building from source'\n")
    path.chmod(0o755)


def fake_go(root: Path, version: str) -> Path:
    """A `go` that records its calls and writes an actionlint reporting ``version`` into $GOBIN."""
    root.mkdir(parents=True)
    go = root / "go"
    go.write_text(
        f'#!/bin/sh\necho "$@" >> {root}/go-calls\n'
        f'printf "#!/bin/sh\\necho {version}\\n" > "$GOBIN/actionlint" && chmod +x "$GOBIN/actionlint"\n'
    )
    go.chmod(0o755)
    return root


def run(cache: Path, path: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": path, "HOME": str(cache.parent), "PULUMI_SERVING_CACHE": str(cache)}
    return subprocess.run([str(ENSURE), *args], capture_output=True, text=True, env=env, check=False)


def test_a_cached_build_of_the_version_is_reused_without_go(tmp_path: Path) -> None:
    cached = tmp_path / "cache" / "actionlint-1.7.12" / "actionlint"
    fake_actionlint(cached, "1.7.12")
    done = run(tmp_path / "cache", base_path(tmp_path))
    assert (done.returncode, done.stdout.strip()) == (0, str(cached)), done.stderr


def test_a_missing_or_other_version_is_built_into_the_cache(tmp_path: Path) -> None:
    fake_actionlint(tmp_path / "cache" / "actionlint-1.7.12" / "actionlint", "1.7.11")  # not the wanted version
    go = fake_go(tmp_path / "go", "1.7.12")
    path = f"{go}:{base_path(tmp_path)}"
    done = run(tmp_path / "cache", path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(tmp_path / "cache" / "actionlint-1.7.12" / "actionlint")
    assert "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12" in (go / "go-calls").read_text()
    again = run(tmp_path / "cache", path)  # now cached: no second build
    assert again.returncode == 0 and len((go / "go-calls").read_text().splitlines()) == 1


def test_without_a_cache_and_without_go_it_fails_saying_what_to_install(tmp_path: Path) -> None:
    done = run(tmp_path / "cache", base_path(tmp_path))
    assert done.returncode == 1 and done.stdout == ""
    assert "no Go toolchain" in done.stderr and "https://go.dev/doc/install" in done.stderr
