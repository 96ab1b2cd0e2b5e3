"""The JSON Schemas bundled with the package (written by ``schemas/generate.py``, checked by a test)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

DECLARATIONS = "stack-declarations.schema.json"
STACK_FILE = "stack-file.schema.json"
NAMES = (DECLARATIONS, STACK_FILE)


def bundled_schema_text(name: str = DECLARATIONS) -> str:
    """The text of a bundled schema file (``stack-declarations.schema.json`` or ``stack-file.schema.json``)."""
    if name not in NAMES:
        raise ValueError(f"no bundled schema {name!r}; expected one of {', '.join(NAMES)}")
    return resources.files(__package__).joinpath("schemas", name).read_text()


def bundled_schema(name: str = DECLARATIONS) -> dict[str, Any]:
    """A bundled schema, parsed."""
    return json.loads(bundled_schema_text(name))
