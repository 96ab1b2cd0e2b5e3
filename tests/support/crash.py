"""Kill the Pulumi CLI with SIGKILL at a chosen point of a run, and repair the stack the documented way."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .pulumi_stack import PulumiStack

KILL_TIMEOUT_S = 300


@dataclass
class KilledRun:
    killed: bool
    output: str
    orphans: dict[int, str] = field(default_factory=dict)  # pid -> command line of the CLI's descendants


def descendants(pid: int) -> dict[int, str]:
    """Every live descendant of ``pid`` (from /proc): pid -> command line."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                found[child] = command_line(child)
                frontier.append(child)
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, exited but not yet reaped by its new parent, does not count)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def run_and_kill(stack: PulumiStack, args: tuple[str, ...], when: Callable[[list[str]], bool]) -> KilledRun:
    """Run ``pulumi ARGS``; SIGKILL the CLI (only the CLI) as soon as ``when(lines so far)`` holds."""
    process = stack.start(*args)
    lines: list[str] = []
    killed = False
    orphans: dict[int, str] = {}
    timer = threading.Timer(KILL_TIMEOUT_S, process.kill)
    timer.start()
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if when(lines):
                orphans = descendants(process.pid)
                os.kill(process.pid, signal.SIGKILL)
                killed = True
                break
        process.wait()
    finally:
        timer.cancel()
        if process.stdout is not None:
            process.stdout.close()
    return KilledRun(killed, "".join(lines), orphans)


def count(lines: list[str], needle: str) -> int:
    return sum(needle in line for line in lines)


def repair(stack: PulumiStack, command: str = "up") -> str:
    """`pulumi cancel` (releasing the lock a killed run leaves), then ONE non-interactive up (or destroy)."""
    stack.run("cancel", "--yes", check=False)
    time.sleep(0.2)
    done = stack.up() if command == "up" else stack.destroy()
    return done.output
