"""Write the JSON Schemas generated from the pydantic declaration models: ``python schemas/generate.py``.

They are written once, into the package (``pulumi_serving/stack/schemas/``), where the stack program and installed
users find them; the files beside this script are symbolic links to them, for editors and CI.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pulumi_serving.payloads.declarations import json_schema, stack_file_schema

HERE = Path(__file__).resolve().parent
BUNDLED = HERE.parent / "provider" / "pulumi_serving" / "stack" / "schemas"
SCHEMAS = {"stack-declarations.schema.json": json_schema, "stack-file.schema.json": stack_file_schema}


def render(name: str) -> str:
    return json.dumps(SCHEMAS[name](), indent=2, sort_keys=True) + "\n"


def main() -> int:
    BUNDLED.mkdir(parents=True, exist_ok=True)
    for name in SCHEMAS:
        (BUNDLED / name).write_text(render(name))
        print(f"wrote {BUNDLED.relative_to(HERE.parent)}/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
