"""Stack locks and whether their holders are still running (``docs/crash-safety.md``).

Pulumi's file and PostgreSQL backends lock a stack with one blob per run under
``.pulumi/locks/<org>/<project>/<stack>/<id>.json``, holding ``{"pid", "username", "hostname", "timestamp"}`` of
the CLI that took it; a refused command lists the same fields as ``  <where>: created by USER@HOST (pid N) at TIME``.
A holder is **provably dead** only when it ran on this host and its pid is gone, a zombie, or a process that
started after the lock was taken (the pid was reused). A holder on another host may be alive: it is left alone.
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path

#: how much later than the lock's timestamp a process may seem to have started and still be its holder (the
#: refusal message gives whole seconds, the kernel's boot time too)
CLOCK_SLACK = timedelta(seconds=2)

_REFUSAL_LINE = re.compile(
    r"^\s+(?P<where>\S+): created by (?P<user>.*)@(?P<host>[^@\s]+) \(pid (?P<pid>\d+)\) at (?P<at>\S+)\s*$"
)


@dataclass(frozen=True)
class LockHolder:
    where: str  # the lock file, or the lock's URL as Pulumi prints it (credentials masked)
    username: str
    hostname: str
    pid: int
    taken_at: datetime | None

    def describe(self) -> str:
        since = f" since {self.taken_at.strftime('%Y-%m-%dT%H:%M:%SZ')}" if self.taken_at else ""
        return f"pid {self.pid} of {self.username}@{self.hostname}{since}"


class Liveness(Enum):
    DEAD = "dead"  # provably: this host, and no process of that pid that could be the holder
    ALIVE = "alive"  # this host, and its process is running
    ELSEWHERE = "elsewhere"  # another host: cannot be told from here


#: pid -> (start time, zombie?) of that process on this host, None when there is no such process
ProcessProbe = Callable[[int], "tuple[datetime | None, bool] | None"]


def parse_time(text: str) -> datetime | None:
    """An RFC 3339 timestamp as Go writes it (nanoseconds cut to microseconds); None when unreadable."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)", text.strip())
    if not match:
        return None
    fraction = (match.group(2) or ".0")[:7]
    zone = "+00:00" if match.group(3) == "Z" else match.group(3)
    return datetime.fromisoformat(f"{match.group(1)}{fraction}{zone}").astimezone(UTC)


def parse_lock_file(text: str, where: str) -> LockHolder | None:
    """A lock blob's JSON content; None when it is not one (e.g. half-written)."""
    try:
        content = json.loads(text)
        return LockHolder(
            where,
            str(content["username"]),
            str(content["hostname"]),
            int(content["pid"]),
            parse_time(content["timestamp"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def parse_lock_refusal(output: str) -> list[LockHolder]:
    """The holders a "the stack is currently locked" refusal lists (empty for any other output)."""
    holders = []
    for line in output.splitlines():
        if match := _REFUSAL_LINE.match(line):
            at = parse_time(match["at"])
            holders.append(LockHolder(match["where"], match["user"], match["host"], int(match["pid"]), at))
    return holders


def liveness(holder: LockHolder, this_host: str, probe: ProcessProbe) -> Liveness:
    """Pure given ``probe``: whether the lock's holder may still be running."""
    if holder.hostname != this_host:
        return Liveness.ELSEWHERE
    found = probe(holder.pid)
    if found is None:
        return Liveness.DEAD
    started, zombie = found
    if zombie:
        return Liveness.DEAD
    if started is not None and holder.taken_at is not None and started > holder.taken_at + CLOCK_SLACK:
        return Liveness.DEAD  # the pid now belongs to a process that started after the lock was taken
    return Liveness.ALIVE


def this_host() -> str:
    """The name Pulumi writes as a lock's ``hostname`` (Go's ``os.Hostname``: the kernel's node name)."""
    return socket.gethostname()


def probe_process(pid: int) -> tuple[datetime | None, bool] | None:
    """Start time and zombie state of ``pid`` on this host (Linux ``/proc``; elsewhere only whether it exists)."""
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return _boot_time() + timedelta(seconds=int(fields[19]) / os.sysconf("SC_CLK_TCK")), fields[0] == "Z"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return None, False


def _boot_time() -> datetime:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return datetime.fromtimestamp(int(line.split()[1]), UTC)
    return datetime.fromtimestamp(0, UTC)


def stack_lock_files(backend_root: Path, qualified_stack: str) -> list[Path]:
    """The lock files of ``org/project/stack`` in a file backend's directory."""
    folder = backend_root / ".pulumi" / "locks" / qualified_stack
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def any_lock_files(backend_root: Path) -> bool:
    """Whether a file backend holds any lock at all (cheap: no stack name needed)."""
    folder = backend_root / ".pulumi" / "locks"
    return folder.is_dir() and any(folder.rglob("*.json"))
