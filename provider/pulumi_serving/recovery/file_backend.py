"""A file:// state backend after a kill: drop attribute sidecar files left empty or half-written, and tell
without the CLI whether any stack may hold a pending create.

The file backend stores each blob's attributes in a ``<blob>.attrs`` JSON file written separately from the blob;
a CLI killed in between can leave it empty, after which every command fails with ``failed to load checkpoint:
EOF``. A missing sidecar is read as "no attributes", so removing a broken one loses nothing. The wrapper repairs
them before every command (``python -m pulumi_serving.recovery --backend-only``), so this module imports nothing
of the rest of the recovery.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlparse

BOOKKEEPING_DIR = ".pulumi"

Say = Callable[[str], None]


def say_on_stderr(line: str) -> None:
    """How recovery tells the person running the command what it did."""
    print(f"pulumi-serving: {line}", file=sys.stderr, flush=True)


def backend_url() -> str | None:
    """The backend the CLI uses: ``PULUMI_BACKEND_URL``, else the one ``pulumi login`` recorded."""
    if url := os.environ.get("PULUMI_BACKEND_URL"):
        return url
    home = Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi")
    try:
        current = json.loads((home / "credentials.json").read_text()).get("current")
    except (OSError, ValueError, AttributeError):
        return None
    return current if isinstance(current, str) else None


def backend_dir(url: str | None) -> Path | None:
    """The directory of a ``file://`` backend URL (None for any other backend)."""
    if not url or not url.startswith("file://"):
        return None
    path = unquote(urlparse(url).path) or "/"
    return Path(path).expanduser()


def broken_attrs(root: Path) -> list[Path]:
    """Every ``.attrs`` sidecar under the backend's bookkeeping directory that is not a JSON object."""
    broken = []
    for sidecar in sorted((root / BOOKKEEPING_DIR).rglob("*.attrs")):
        try:
            if not isinstance(json.loads(sidecar.read_text()), dict):
                broken.append(sidecar)
        except (OSError, ValueError):
            broken.append(sidecar)
    return broken


def repair_file_backend(url: str | None) -> list[Path]:
    """Remove the broken sidecars of a file backend; returns what was removed."""
    root = backend_dir(url)
    if root is None or not root.is_dir():
        return []
    removed = broken_attrs(root)
    for sidecar in removed:
        sidecar.unlink(missing_ok=True)
    return removed


def repair_backend(url: str | None, say: Say = say_on_stderr) -> None:
    """Only the file backend's broken sidecars (before any command: even `pulumi cancel` fails on them)."""
    for sidecar in repair_file_backend(url):
        say(f"removed {sidecar.name}, left empty by an interrupted run (its blob is intact)")


def may_hold_pending_creates(root: Path) -> bool:
    """False only when every stack checkpoint of the backend is plain JSON without a pending create.

    Lets recovery skip ``pulumi stack export`` (a CLI start) on the common path; any checkpoint it cannot read
    (compressed, half-written) counts as possibly pending, so the CLI decides.
    """
    stacks = root / BOOKKEEPING_DIR / "stacks"
    for checkpoint in stacks.rglob("*.json*") if stacks.is_dir() else ():
        if checkpoint.name.endswith((".attrs", ".bak")):
            continue
        try:
            latest = json.loads(checkpoint.read_text())["checkpoint"].get("latest") or {}
            if any(op.get("type") == "creating" for op in latest.get("pending_operations") or []):
                return True
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return True
    return False
