"""Run the app on uvicorn: one process, one worker.

Why a single process: the endpoint state machine, rate-limit counters of the gateway and the SQLite
connection are process-global; several workers would each count rate limits separately.
"""

from __future__ import annotations

import logging
import sys

import uvicorn

from .app import create_app
from .backend import open_backend
from .settings import Settings


def serve(settings: Settings) -> None:
    """Open the state, announce the URL and the admin-token location on stdout, serve until stopped."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    backend = open_backend(settings)
    app = create_app(settings, backend)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, workers=1, log_level="info",
                            access_log=True, server_header=False)
    server = uvicorn.Server(config)
    print(f"pulumi-serving: local serving API at {settings.base_url}", flush=True)
    print(f"pulumi-serving: admin token from {backend.admin_token_source}", flush=True)
    print(f"pulumi-serving: data dir {settings.data_dir}", flush=True)
    server.run()
