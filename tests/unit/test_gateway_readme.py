"""The gateway README's file map names every module of the gateway, and only existing ones."""

from __future__ import annotations

import re
from pathlib import Path

GATEWAY = Path(__file__).resolve().parents[2] / "provider" / "pulumi_serving" / "server" / "gateway"


def test_the_file_map_matches_the_files():
    text = (GATEWAY / "README.md").read_text()
    mapped = set(re.findall(r"^\| `([\w/]+(?:\.py|/))` \|", text.split("## Files", 1)[1], re.MULTILINE))
    modules = {
        str(p.relative_to(GATEWAY))
        for p in GATEWAY.rglob("*.py")
        if p.name != "__init__.py" and p.parent.name != "providers"
    }
    assert mapped == modules | {"providers/"}
