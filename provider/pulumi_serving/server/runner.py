"""Run the app on uvicorn: one process, one worker.

Why a single process: the endpoint state machine, rate-limit counters of the gateway and the SQLite
connection are process-global; several workers would each count rate limits separately.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import sqlite3
import sys

import uvicorn

from .app import create_app
from .backend import Backend, open_backend
from .settings import Settings


class StartupError(Exception):
    """The server cannot start (unusable data dir, address not available); the message is one line."""


def _open_state(settings: Settings) -> Backend:
    data_dir = settings.data_dir
    if data_dir.exists() and not data_dir.is_dir():
        raise StartupError(f"data dir {data_dir} is not a directory")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        return open_backend(settings)
    except (OSError, sqlite3.Error) as exc:
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


def serve(settings: Settings) -> None:
    """Open the state, bind, announce the bound URL and the admin-token location on stdout, serve until
    stopped. Raises StartupError before serving when the data dir or the address cannot be used."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    backend = _open_state(settings)
    try:
        sock = listen(settings.host, settings.port)
    except StartupError:
        backend.close()
        raise
    settings = dataclasses.replace(settings, port=sock.getsockname()[1])
    app = create_app(settings, backend)
    config = uvicorn.Config(app, workers=1, log_level="info", access_log=True, server_header=False)
    print(f"pulumi-serving: local serving API at {settings.base_url}", flush=True)
    print(f"pulumi-serving: admin token from {backend.admin_token_source}", flush=True)
    print(f"pulumi-serving: data dir {settings.data_dir}", flush=True)
    uvicorn.Server(config).run(sockets=[sock])
