"""A real type checker run on user programs: mypy with the project's settings and its per-machine cache
(pyproject.toml), warm after `make lint`, so checking one program takes seconds, not a cold start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .pulumi_stack import REPO_ROOT


def mypy(*targets: Path, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    """mypy's verdict on ``targets`` (files or packages), run in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--config-file", str(REPO_ROOT / "pyproject.toml")]
        + [str(target) for target in targets],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )
