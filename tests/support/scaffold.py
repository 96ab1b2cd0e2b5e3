"""A project made as its user makes one: ``pulumi-serving new`` naming this checkout's virtualenv."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .pulumi_stack import REPO_ROOT

CLI = REPO_ROOT / ".venv" / "bin" / "pulumi-serving"


def scaffolded_project(directory: Path, *options: str) -> Path:
    """``pulumi-serving new DIRECTORY --virtualenv <this checkout's .venv> OPTIONS...``; returns ``directory``."""
    subprocess.run(
        [str(CLI), "new", str(directory), "--virtualenv", str(REPO_ROOT / ".venv"), *options],
        check=True,
        capture_output=True,
        text=True,
    )
    return directory
