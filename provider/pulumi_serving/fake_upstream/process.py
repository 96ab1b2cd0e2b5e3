"""Run ``pulumi-serving fake-upstream`` as a child process (for tests, benchmarks and the demo)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

STARTUP_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class FakeUpstream:
    """A running fake upstream: its base URL and process."""

    url: str
    process: subprocess.Popen[str]


@contextmanager
def running_fake_upstream(*extra_args: str, host: str = "127.0.0.1", port: int = 0) -> Iterator[FakeUpstream]:
    """Start the fake upstream (on a free port unless ``port``); stop it on exit. ``extra_args`` are CLI switches."""
    command = [
        sys.executable,
        "-m",
        "pulumi_serving.cli.main",
        "fake-upstream",
        "--host",
        host,
        "--port",
        str(port),
        *extra_args,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], STARTUP_TIMEOUT_S)
        line = process.stdout.readline() if ready else f"no output within {STARTUP_TIMEOUT_S:.0f}s\n"
        if "listening on " not in line:
            rest = process.stdout.read() if process.poll() is not None else ""
            raise RuntimeError(f"fake upstream did not start: {line}{rest}")
        yield FakeUpstream(line.split("listening on ", 1)[1].strip(), process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
