"""Render the planner's table as ``docs/planner.md``: ``python -m pulumi_serving.plan.fields_doc [PATH]``."""

from __future__ import annotations

import sys
from pathlib import Path

from .endpoint import CALL_ORDER
from .fields import RULES

HEADER = """# The planner's table

Generated from `provider/pulumi_serving/plan/fields.py` by `python -m pulumi_serving.plan.fields_doc`
(a unit test fails when this file is stale, and another when a field of the serving or secrets API's create
or update requests has no row).

Every declared field is applied in exactly one way: sent by a named API call, planned as a replace
with the reason shown in `pulumi preview`, or rejected at preview naming the field and the reason.
Nothing is silently dropped; a field whose removal is sent by another call names both calls. A replace
of an endpoint keeps its name, so it deletes first: preview warns that the endpoint is unavailable until
the replacement is ready.

An endpoint's update sends its calls in this order (calls the server refuses while a config update
runs go before the one that starts it), then reads the endpoint back unless the config update
already answered with it: {order}.

| resource | field | handling | request fields covered | notes |
|---|---|---|---|---|
"""


def render() -> str:
    order = ", ".join(f"`{api}`" for api in CALL_ORDER)
    rows = [
        f"| {r.resource} | `{r.field}` | {r.handling} | {', '.join(f'`{a}`' for a in r.api_fields)} | {r.note} |"
        for r in RULES
    ]
    return HEADER.format(order=order) + "\n".join(rows) + "\n"


def main(argv: list[str]) -> int:
    path = Path(argv[0] if argv else "docs/planner.md")
    path.write_text(render())
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
