"""Terminal styling: colour only when the stream is a terminal and ``NO_COLOR`` is unset or empty."""

from __future__ import annotations

import os
from typing import TextIO

BOLD, RED, GREEN = "1", "31", "32"


def colour_enabled(stream: TextIO) -> bool:
    return not os.environ.get("NO_COLOR") and stream.isatty()


def paint(text: str, code: str, stream: TextIO) -> str:
    """``text`` in the SGR style ``code`` when ``stream`` takes colour, else unchanged."""
    return f"\033[{code}m{text}\033[0m" if colour_enabled(stream) else text
