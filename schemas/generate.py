"""Write the JSON Schemas generated from the pydantic declaration models: ``python schemas/generate.py``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pulumi_serving.spec.declarations import json_schema

HERE = Path(__file__).resolve().parent
SCHEMAS = {"stack-declarations.schema.json": json_schema}


def render(name: str) -> str:
    return json.dumps(SCHEMAS[name](), indent=2, sort_keys=True) + "\n"


def main() -> int:
    for name in SCHEMAS:
        (HERE / name).write_text(render(name))
        print(f"wrote schemas/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
