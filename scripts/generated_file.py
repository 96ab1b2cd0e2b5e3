"""The command line shared by the generators of checked-in files (``scripts/gen_args.py``, ``docs/generate.py``):
write the file, or with ``--check`` exit 1 when it differs from what the code generates now."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_or_check(target: Path, text: str, argv: list[str], command: str) -> int:
    """Write ``text`` to ``target``; with ``--check`` in ``argv`` only compare, naming ``command`` when stale."""
    where = target.relative_to(ROOT)
    if "--check" in argv:
        if target.read_text() != text:
            print(f"{where} is stale: run `{command}`", file=sys.stderr)
            return 1
        return 0
    target.write_text(text)
    print(f"wrote {where}")
    return 0
