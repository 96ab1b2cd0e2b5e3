"""Launcher for the real local serving API (``pulumi-serving serve``) as a subprocess on loopback.

Stable API used by the api, clients, gateway and e2e tests and the benchmarks::

    server = start_server(tmp_path / "data", update_delay=0)  # started; the caller must stop() it
        server.url            # "http://127.0.0.1:PORT"
        server.admin_token    # admin bearer token (generated into the data dir unless given)
        server.data_dir       # state directory (SQLite file, key file, admin-token file)
        server.mint_token("alice", groups=("ml",), service_principal=False)  # via `pulumi-serving tokens create`
        server.client(token=None)   # httpx.Client with base_url and bearer token (admin by default)
        server.headers(token=None)  # {"Authorization": "Bearer ..."}
        server.kill9()        # SIGKILL, no shutdown
        server.restart()      # start again on the same port and data dir (after kill9 or stop)
        server.output()       # everything the server printed (stdout + stderr)
        server.stop()         # SIGTERM, then SIGKILL after a grace period

Pytest fixtures built on it (``live_server``, ``server_factory``) live in ``tests/support/fixtures.py``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from pulumi_serving.client.tls import context_for

READY_TIMEOUT_S = 30.0


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "pulumi-serving"
    if script.exists():
        return [str(script)]
    found = shutil.which("pulumi-serving")
    if found:
        return [found]
    return [sys.executable, "-m", "pulumi_serving.cli.main"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """One ``pulumi-serving serve`` subprocess bound to 127.0.0.1."""

    def __init__(
        self,
        data_dir: Path,
        *,
        update_delay: float = 0,
        admin_token: str | None = None,
        port: int | None = None,
        extra_args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        cli: Sequence[str] | None = None,
    ):
        self.data_dir = Path(data_dir)
        self._cli = list(cli) if cli else _cli()  # e.g. another venv's pulumi-serving
        self.update_delay = update_delay
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._explicit_admin_token = admin_token
        self.admin_token = admin_token or ""
        self._extra_args = list(extra_args)
        self._env = env
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.server.log"
        self._proc: subprocess.Popen[bytes] | None = None

    # lifecycle
    def start(self) -> LiveServer:
        if self.is_running():
            raise RuntimeError("server already running")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            *self._cli,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--update-delay",
            str(self.update_delay),
            *self._extra_args,
        ]
        if self._explicit_admin_token:
            args += ["--admin-token", self._explicit_admin_token]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_SERVING_", "DATABRICKS_"))}
        env.update(self._env or {})
        env["PYTHONUNBUFFERED"] = "1"
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        try:
            self._proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL)
        finally:
            log.close()
        self._wait_ready()
        from_env = (self._env or {}).get("PULUMI_SERVING_ADMIN_TOKEN")
        if self._explicit_admin_token or from_env:
            self.admin_token = self._explicit_admin_token or from_env or ""
        else:
            self.admin_token = (self.data_dir / "admin-token").read_text().strip()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        with httpx.Client(timeout=1, verify=context_for(self.url)) as poll:  # one client for every poll
            while time.monotonic() < deadline:
                assert self._proc is not None
                if self._proc.poll() is not None:
                    raise RuntimeError(f"server exited with {self._proc.returncode}:\n{self.output()}")
                try:
                    if poll.get(f"{self.url}/.well-known/databricks-config").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server not ready after {READY_TIMEOUT_S}s:\n{self.output()}")

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def kill9(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGKILL)
            self._proc.wait(timeout=10)

    def stop(self, grace_s: float = 5.0) -> None:
        if self._proc is None or self._proc.poll() is not None:
            return
        self._proc.send_signal(signal.SIGTERM)
        try:
            self._proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            self.kill9()

    def restart(self) -> LiveServer:
        self.stop()
        return self.start()

    # helpers
    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def mint_token(self, user: str, groups: Sequence[str] = (), service_principal: bool = False) -> str:
        args = [*self._cli, "tokens", "create", "--data-dir", str(self.data_dir), "--user", user]
        for group in groups:
            args += ["--group", group]
        if service_principal:
            args.append("--service-principal")
        done = subprocess.run(args, capture_output=True, text=True, timeout=30, check=True)
        return done.stdout.strip()

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.admin_token}"}

    def client(self, token: str | None = None, timeout: float = 10.0) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers=self.headers(token), timeout=timeout, verify=context_for(self.url)
        )


def start_server(data_dir: Path, **options: object) -> LiveServer:
    """Start a server (retrying on another port if the chosen one was taken meanwhile)."""
    last: Exception | None = None
    for _ in range(3):
        server = LiveServer(data_dir, **options)  # type: ignore[arg-type]
        try:
            return server.start()
        except RuntimeError as exc:
            last = exc
            if "address already in use" not in str(exc).lower() or options.get("port"):
                raise
    raise RuntimeError(f"could not start the server: {last}")
