"""Kill the Pulumi CLI with SIGKILL at a chosen point of a run, and repair the stack the documented way: through
``scripts/pulumi.sh``, or with plain ``pulumi`` (the CLI alone on PATH, no wrapper) and ``pulumi-serving recover``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .pulumi_stack import REPO_ROOT, CommandResult, PulumiStack

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


def survivors(pids: Iterable[int], within_s: float) -> list[int]:
    """The processes among ``pids`` still running after ``within_s`` seconds (polled: returns as soon as none is)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.2)
    return [p for p in pids if alive(p)]


def run_and_kill(
    stack: PulumiStack,
    args: tuple[str, ...],
    when: Callable[[list[str]], bool],
    start: Callable[..., subprocess.Popen[str]] | None = None,
) -> KilledRun:
    """Run ``pulumi ARGS`` (``start``: how, default through the wrapper); SIGKILL the CLI (only the CLI) as soon
    as ``when(lines so far)`` holds."""
    process = (start or stack.start)(*args)
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


_CREATED = re.compile(r"created endpoint '([^']+)'|ServingEndpoint (\S+) created \(")


def endpoints_created(lines: list[str]) -> int:
    """Endpoints the live display has shown created so far, by the provider's line or the engine's step line: the
    display shows only the latest of two messages that arrive together, so neither line alone is always there."""
    names = set()
    for line in lines:
        if line.startswith("Diagnostics:"):
            break  # the summary of a run that has ended
        names |= {name for match in _CREATED.finditer(line) for name in match.groups() if name}
    return len(names)


def repair(stack: PulumiStack, command: str = "up") -> str:
    """ONE non-interactive ``scripts/pulumi.sh up`` (or destroy): its repair step removes the killed run's lock
    (its holder is gone from this host) and resolves the pending creates first."""
    done = stack.up() if command == "up" else stack.destroy()
    return done.output


def plain_env(stack: PulumiStack) -> dict[str, str]:
    """What a user or CI job running plain ``pulumi`` has: the CLI and the project's venv on PATH, the stack's
    backend, home and passphrase, and none of the wrapper's additions (no start-up watchdog, no repair)."""
    env = {k: v for k, v in stack.env.items() if k != "PULUMI_SERVING_PULUMI_BIN"}
    venv_bin = REPO_ROOT / ".venv" / "bin"
    env["PATH"] = f"{stack.pulumi_bin}:{venv_bin}:{env.get('PATH', '')}"
    env["PULUMI_SKIP_UPDATE_CHECK"] = "true"
    return env


def start_plain(stack: PulumiStack, *args: str) -> subprocess.Popen[str]:
    """``pulumi ARGS --non-interactive`` run directly, stdout and stderr merged, line-buffered."""
    return subprocess.Popen(
        [str(stack.pulumi_bin / "pulumi"), *args, "--non-interactive"],
        cwd=stack.workdir,
        env=plain_env(stack),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )


def run_plain(stack: PulumiStack, *args: str) -> CommandResult:
    """``pulumi ARGS --non-interactive`` run directly, to its end."""
    done = subprocess.run(
        [str(stack.pulumi_bin / "pulumi"), *args, "--non-interactive"],
        cwd=stack.workdir,
        env=plain_env(stack),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return CommandResult(args, done.returncode, done.stdout, done.stderr)


def recover(stack: PulumiStack) -> CommandResult:
    """``pulumi-serving recover`` as a plain-pulumi user runs it (the ``pulumi`` on PATH)."""
    done = subprocess.run(
        [str(REPO_ROOT / ".venv" / "bin" / "pulumi-serving"), "recover"],
        cwd=stack.workdir,
        env=plain_env(stack),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return CommandResult(("recover",), done.returncode, done.stdout, done.stderr)
