"""``pulumi-serving compare EP1 EP2 ... --prompt ...``: the same prompt to each endpoint, answers side by side
with the served entity, latency and token usage."""

from __future__ import annotations

import argparse
import json
import shutil
import textwrap
from concurrent.futures import ThreadPoolExecutor
from itertools import zip_longest

from .query import Answer, add_connection_args, ask, connect

GAP = " | "


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("compare", help="send one prompt to several endpoints, show answers side by side")
    parser.add_argument("endpoints", nargs="+", metavar="ENDPOINT", help="serving endpoint names (two or more)")
    add_connection_args(parser)
    parser.add_argument("--width", type=int, default=None, help="total output width (default: terminal width)")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of columns")
    parser.set_defaults(func=run)


def render(answers: list[Answer], width: int) -> str:
    """Columns: a header block per endpoint, a rule, then each answer wrapped to its column."""
    column = max(16, (width - len(GAP) * (len(answers) - 1)) // len(answers))
    headers = [
        [a.endpoint, f"served: {a.served_model or '-'}", f"latency: {a.latency_ms:.0f} ms", f"tokens: {a.tokens()}"]
        for a in answers
    ]
    bodies = []
    for answer in answers:
        lines: list[str] = []
        for i, text in enumerate(answer.texts()):
            prefix = f"[{i}] " if len(answer.texts()) > 1 else ""
            lines += textwrap.wrap(prefix + (text or ""), column) or [""]
        bodies.append(lines)
    rows = [GAP.join(cell[:column].ljust(column) for cell in row) for row in zip(*headers, strict=False)]
    rows.append(GAP.join("-" * column for _ in answers))
    rows += [GAP.join((cell or "").ljust(column) for cell in row) for row in zip_longest(*bodies, fillvalue="")]
    return "\n".join(line.rstrip() for line in rows)


def run(args: argparse.Namespace) -> int:
    if len(args.endpoints) < 2:
        raise SystemExit("error: compare needs at least two endpoints")
    with connect(args) as client, ThreadPoolExecutor(max_workers=len(args.endpoints)) as pool:
        answers = list(pool.map(lambda endpoint: ask(client, endpoint, args), args.endpoints))
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "endpoint": a.endpoint,
                        "status": a.status,
                        "served_model_name": a.served_model,
                        "latency_ms": round(a.latency_ms, 1),
                        "response": a.body,
                    }
                    for a in answers
                ],
                indent=2,
            )
        )
    else:
        print(render(answers, args.width or shutil.get_terminal_size((160, 40)).columns))
    return 0 if all(a.ok for a in answers) else 1
