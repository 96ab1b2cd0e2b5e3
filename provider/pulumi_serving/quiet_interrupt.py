"""The Pulumi program process ends without tracebacks when the engine interrupts it.

When a deployment stops on an error (a resource's check refused a token, say), the language host interrupts
the program with SIGINT while the SDK's event loop and executor are still running; Python then printed two
``KeyboardInterrupt`` tracebacks (about 30 lines) after the one error line that says what went wrong. Inside the
program process only (Pulumi's ``pulumi-language-python-exec``), an uncaught ``KeyboardInterrupt`` is not printed:
the engine's own error already says why the run stopped. Every other exception is reported as before
(docs/pulumi-engine.md#errors).
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType

PROGRAM_EXECUTOR = "pulumi-language-python-exec"
_installed: list[bool] = []


def is_program_process(argv: list[str] | None = None) -> bool:
    """True in the process the Python language host runs the user's program in (read from the interpreter's own
    command line: the executor sets ``sys.argv`` to the program's)."""
    argv = list(getattr(sys, "orig_argv", []) if argv is None else argv)
    return any(Path(arg).name == PROGRAM_EXECUTOR for arg in argv[:4])


def install_if_program() -> None:
    """Keep ``KeyboardInterrupt`` tracebacks out of the program's output (once, program process only)."""
    if _installed or not is_program_process():
        return
    _installed.append(True)
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, traceback: TracebackType | None) -> None:
        if not issubclass(kind, KeyboardInterrupt):
            previous(kind, value, traceback)

    sys.excepthook = hook
