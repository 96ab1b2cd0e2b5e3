"""The real local serving API run inside the test process: uvicorn in a thread on a loopback port, with the app,
front door, HTTP protocol and data dir of ``pulumi-serving serve`` (``server.runner``), but no process start
(about a second of CPU each) and no CLI round trip to mint a token.

Same surface as :class:`tests.support.server.LiveServer` for what a test does over HTTP::

    server = start_inprocess_server(tmp_path / "data", update_delay=0)  # the caller must stop() it
    # other options: admin_token="...", and any field of server.settings.Settings, e.g. upstreams=("openai=URL",)
        server.url, server.port, server.admin_token, server.data_dir
        server.mint_token("alice", groups=("ml",))
        server.client(token=None), server.headers(token=None)
        server.output()   # the records of the process's server and asyncio loggers while it ran (all servers')
        server.stop()

Tests that kill, signal or restart the server, read its RSS or pid, or exercise ``serve``'s command line use
the subprocess :class:`~tests.support.server.LiveServer`.
"""

from __future__ import annotations

import asyncio
import io
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO

import httpx
import uvicorn

from pulumi_serving.client.tls import context_for
from pulumi_serving.server.principals import issue_token
from pulumi_serving.server.runner import listen, open_state, uvicorn_config
from pulumi_serving.server.settings import Settings
from pulumi_serving.server.storage import Database

READY_TIMEOUT_S = 30.0
_LOGGERS = ("pulumi_serving", "uvicorn", "asyncio")  # what serve's stderr shows, but uvicorn's access lines


class InProcessServer:
    """One local serving API on 127.0.0.1 served by a thread of this process."""

    def __init__(self, data_dir: Path, *, update_delay: float = 0, admin_token: str | None = None, **settings: object):
        self.data_dir = Path(data_dir)
        self._settings = Settings(
            self.data_dir, host="127.0.0.1", port=0, update_delay_s=update_delay, admin_token=admin_token, **settings
        )  # type: ignore[arg-type]
        self._log = io.StringIO()
        self._handler = logging.StreamHandler(self._log)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._lock: IO[str] | None = None
        self.port = 0
        self.url = ""
        self.admin_token = ""

    def start(self) -> InProcessServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        backend, self._lock = open_state(self._settings)
        sock = listen("127.0.0.1", 0)
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        settings = replace(self._settings, port=self.port)
        self.admin_token = settings.admin_token or (self.data_dir / "admin-token").read_text().strip()
        for name in _LOGGERS:
            logging.getLogger(name).addHandler(self._handler)
            logging.getLogger(name).setLevel(logging.INFO)  # as serve's logging.basicConfig(level=INFO)
        config = uvicorn_config(settings, backend, log_config=None, access_log=False, loop="asyncio")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve(sockets=[sock])),  # type: ignore[union-attr]
            name=f"serving-{self.port}",
            daemon=True,
        )
        self._thread.start()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self._thread is not None
            if not self._thread.is_alive():
                raise RuntimeError(f"in-process server stopped at start:\n{self.output()}")
            if self._server is not None and self._server.started:
                return
            time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"in-process server not ready after {READY_TIMEOUT_S}s")

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._server = self._thread = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        for name in _LOGGERS:
            logging.getLogger(name).removeHandler(self._handler)

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def output(self) -> str:
        return self._log.getvalue()

    def mint_token(self, user: str, groups: Sequence[str] = (), service_principal: bool = False) -> str:
        db = Database(self.data_dir)
        try:
            return issue_token(db, user, tuple(groups), service_principal=service_principal)
        finally:
            db.close()

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.admin_token}"}

    def client(self, token: str | None = None, timeout: float = 10.0) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers=self.headers(token), timeout=timeout, verify=context_for(self.url)
        )


def start_inprocess_server(data_dir: Path, **options: object) -> InProcessServer:
    return InProcessServer(data_dir, **options).start()  # type: ignore[arg-type]
