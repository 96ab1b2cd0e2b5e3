"""Run the app on uvicorn: one process, one worker.

Why a single process: the endpoint state machine, rate-limit counters of the gateway and the SQLite
connection are process-global; several workers would each count rate limits separately. For the same
reason a data dir serves one process at a time: ``serve`` holds an exclusive lock on ``DIR/serve.lock``
(released by the kernel when the process dies, even by ``kill -9``) and a second one refuses to start.
"""

from __future__ import annotations

import dataclasses
import fcntl
import gc
import logging
import os
import socket
import sqlite3
import sys
from pathlib import Path
from typing import IO, Any, cast

import uvicorn
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from .app import create_app, front_door
from .backend import Backend, open_backend
from .connections import protocol_with_header_timeout
from .gateway.dispatch import QuietAccessLog
from .principals import refused_tokens
from .settings import Settings
from .storage import PRIVATE_FILE_MODE, make_private_dir, shared_dir_problem

LOCK_FILE = "serve.lock"


class StartupError(Exception):
    """The server cannot start (unusable data dir, address not available); the message is one line."""


def lock_data_dir(data_dir: Path) -> IO[str]:
    """Hold the data dir's exclusive lock (kept until the returned file is closed or the process ends)."""
    handle = open(os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE), "r+")  # noqa: SIM115
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = handle.read().strip() or "another process"
        handle.close()
        raise StartupError(
            f"data dir {data_dir} is in use by another pulumi-serving serve (pid {holder}); "
            "stop it or choose another --data-dir"
        ) from None
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def open_state(settings: Settings) -> tuple[Backend, IO[str]]:
    """The data dir's backend and its held lock. Raises StartupError when the data dir cannot be used."""
    data_dir = settings.data_dir
    if data_dir.exists() and not data_dir.is_dir():
        raise StartupError(f"data dir {data_dir} is not a directory")
    try:
        make_private_dir(data_dir)
        if problem := shared_dir_problem(data_dir):
            if not settings.allow_shared_data_dir:
                raise StartupError(
                    f"{problem}; use a private directory (chmod go-w, or another --data-dir), or pass "
                    "--allow-shared-data-dir to use it anyway"
                )
            print(f"pulumi-serving serve: warning: {problem} (--allow-shared-data-dir)", file=sys.stderr, flush=True)
        lock = lock_data_dir(data_dir)
    except OSError as exc:
        raise StartupError(f"cannot use data dir {data_dir}: {exc.strerror or exc}") from None
    try:
        return open_backend(settings), lock
    except ValueError as exc:
        lock.close()
        raise StartupError(str(exc)) from None
    except (OSError, sqlite3.Error) as exc:
        lock.close()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise StartupError(f"cannot use data dir {data_dir}: {reason}") from None


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket (``port`` 0 picks a free one). Created with proto IPPROTO_TCP: asyncio only
    sets TCP_NODELAY on such sockets."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def uvicorn_config(settings: Settings, backend: Backend, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration ``serve`` runs (``options`` go to uvicorn.Config): the app behind the data plane's
    front door and the proxy-header middleware, the HTTP protocol with its header deadline and pipeline bound."""
    app = create_app(settings, backend)
    config = uvicorn.Config(
        app,
        workers=1,
        server_header=False,
        http=protocol_with_header_timeout(settings.client_timeout_s, QuietAccessLog),
        timeout_keep_alive=max(1, int(min(5.0, settings.client_timeout_s))),
        proxy_headers=False,  # applied below, behind the data plane's front door
        **options,
    )
    config.app = front_door(app, ProxyHeadersMiddleware(cast(Any, app), trusted_hosts=config.forwarded_allow_ips))
    return config


def serve(settings: Settings) -> None:
    """Open the state, bind, announce the bound URL and the admin-token location on stdout, serve until
    stopped. Raises StartupError before serving when the data dir or the address cannot be used."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    backend, lock = open_state(settings)
    for token, problem in refused_tokens(backend.db):
        print(
            f"pulumi-serving serve: warning: token {token.id} is refused: {problem}; revoke it with "
            f"`pulumi-serving tokens revoke --id {token.id}`",
            file=sys.stderr,
            flush=True,
        )
    try:
        sock = listen(settings.host, settings.port)
    except StartupError:
        backend.close()
        lock.close()
        raise
    settings = dataclasses.replace(settings, port=sock.getsockname()[1])
    config = uvicorn_config(settings, backend, log_level="info", access_log=True)
    gc.collect()
    gc.freeze()  # the app's long-lived objects leave the collector's generations: its full passes stay short
    print(f"pulumi-serving: local serving API at {settings.base_url}", flush=True)
    print(f"pulumi-serving: admin token from {backend.admin_token_source}", flush=True)
    print(f"pulumi-serving: data dir {settings.data_dir}", flush=True)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        lock.close()
