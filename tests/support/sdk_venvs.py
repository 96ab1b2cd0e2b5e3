"""Virtualenvs holding this package with the lowest and the newest supported pulumi SDK.

``build/sdk-venvs/<label>`` is created on first use and reused until pyproject.toml changes:

- ``lowest``: every requirement of the package and of its ``server`` extra at the lower bound of its range in
  pyproject.toml (pulumi included), so the ranges users get are proven at their floor;
- ``newest``: pulumi at ``NEWEST_SDK``, the newest release the package index served when it was last
  raised, and the newest of everything else the ranges allow.

Each holds the package with its ``server`` extra (no test tools): what a user's infra repo and a user running the
local serving API get. They are made with uv (beside this interpreter; from its cache in seconds), under a file lock
so that parallel test workers build each venv once.
"""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from .pulumi_stack import REPO_ROOT

NEWEST_SDK = "3.272.0"
VENV_ROOT = REPO_ROOT / "build" / "sdk-venvs"
#: uv, installed beside this interpreter by `make venv` (constraints.txt pins it)
UV = Path(sys.executable).parent / "uv"


EXTRA = "server"


def requirements() -> list[Requirement]:
    """The install requirements and the EXTRA's, those whose markers hold on this machine."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    lines = [*project["dependencies"], *project["optional-dependencies"][EXTRA]]
    return [req for req in map(Requirement, lines) if req.marker is None or req.marker.evaluate()]


def lowest_pins() -> list[str]:
    """``name==floor`` for every requirement: the lower bound of its ``>=`` (or ``~=``) range."""
    pins = []
    for req in requirements():
        [floor] = [spec.version for spec in req.specifier if spec.operator in {">=", "~="}]
        pins.append(f"{req.name}=={floor}")
    return pins


def sdk_pins(label: str) -> list[str]:
    if label == "lowest":
        return lowest_pins()
    if label == "newest":
        return [f"pulumi=={NEWEST_SDK}"]
    raise ValueError(f"unknown SDK venv {label!r}")


def lowest_sdk() -> str:
    [pin] = [pin for pin in lowest_pins() if pin.startswith("pulumi==")]
    return pin.split("==")[1]


def sdk_venv(label: str) -> Path:
    """The venv's python, after creating or refreshing the venv when its recipe changed."""
    VENV_ROOT.mkdir(parents=True, exist_ok=True)
    with open(VENV_ROOT / f"{label}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _built(label)


def _built(label: str) -> Path:
    pins = sdk_pins(label)
    venv = VENV_ROOT / label
    python = venv / "bin" / "python"
    recipe = "\n".join([(REPO_ROOT / "pyproject.toml").read_text(), *pins])
    digest = hashlib.sha256(recipe.encode()).hexdigest()
    stamp = venv / ".recipe"
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    uv = str(UV)
    subprocess.run([uv, "venv", "--quiet", "--clear", "--seed", "--python", sys.executable, str(venv)], check=True)
    constraints = venv / "constraints.txt"
    constraints.write_text("\n".join(pins) + "\n")
    done = subprocess.run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--compile-bytecode",  # each provider and server process then starts without compiling its imports
            "--python",
            str(python),
            "-c",
            str(constraints),
            "-e",
            f"{REPO_ROOT}[{EXTRA}]",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"cannot install pulumi-serving with {pins} into {venv}:\n{done.stdout}{done.stderr}")
    stamp.write_text(digest)
    return python
