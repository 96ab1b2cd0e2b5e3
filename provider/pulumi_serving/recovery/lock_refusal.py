"""Whether a failed Pulumi run was refused at the stack lock, and so may be run again whole.

Pulumi checks and takes the stack lock before it starts the engine, and it refuses a locked stack with
"the stack is currently locked". The PostgreSQL backend has more faces of the same collision, because its
lock check lists the lock rows, then reads each row's metadata, then each row's content: a lock that the
other run deletes in between fails the check with "could not list bucket: blob (code=NotFound)", or with
"key not found" and "NotFound" when the row vanishes before its content is read (``docs/crash-safety.md``).

A run counts as refused only when its whole error output is one of these errors: the engine never started,
so nothing was applied and running it again is safe.

``python -m pulumi_serving.recovery.lock_refusal FILE`` exits 0 when FILE (a failed run's error output) is
such a refusal, 1 otherwise; ``scripts/pulumi.sh`` uses it for ``PULUMI_SERVING_LOCK_WAIT``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

NO_ROWS = r"sql: no rows in result set"

LOCK_REFUSALS: tuple[re.Pattern[str], ...] = (
    re.compile(r"error: the stack is currently locked by \d+ lock\(s\)\..*", re.DOTALL),
    re.compile(rf"error: could not list bucket: blob \(code=NotFound\): {NO_ROWS}"),
    re.compile(rf"error: 2 errors occurred:\s+1\) key not found: {NO_ROWS}\s+2\) NotFound"),
)


def refused_at_lock(error_output: str) -> bool:
    """True when a failed run's error output is exactly a refusal at the stack lock."""
    text = error_output.strip()
    return any(pattern.fullmatch(text) for pattern in LOCK_REFUSALS)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m pulumi_serving.recovery.lock_refusal FILE", file=sys.stderr)
        return 2
    return 0 if refused_at_lock(Path(argv[0]).read_text(errors="replace")) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
