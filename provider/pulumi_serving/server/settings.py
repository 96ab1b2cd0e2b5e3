"""Settings of one local serving API instance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_UPDATE_DELAY_S = 2.0
# Gateway: how long an upstream provider may take to answer, and between two events of a stream.
DEFAULT_UPSTREAM_TIMEOUT_S = 120.0
# Gateway connection pools to upstreams: its own keep-alive pool, or httpx's standard transport.
UpstreamTransport = Literal["lean", "httpx"]
UPSTREAM_TRANSPORTS: tuple[UpstreamTransport, ...] = ("lean", "httpx")
DEFAULT_UPSTREAM_TRANSPORT: UpstreamTransport = "lean"
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024
DEFAULT_CLIENT_TIMEOUT_S = 10.0
# Requests a connection may have parsed and not yet answered (pipelined HTTP/1.1): before any of its requests
# authenticated, and after. A request past the limit is not parsed: the connection closes once the parsed ones
# are answered (a pipelining client retries the rest on a new connection, as HTTP/1.1 allows).
PIPELINE_DEPTH_BEFORE_AUTH = 2
PIPELINE_DEPTH = 32
# A connection closed while its client may still be sending (a refusal before the whole body arrived, a full
# pipeline) first sends its answer and a FIN, then reads and discards for at most this long: closing with unread
# bytes would make the kernel send a reset, which can destroy the answer before the client reads it.
LINGER_S = 2.0


@dataclass(frozen=True)
class Settings:
    """``data_dir`` holds the SQLite database, the encryption key and the generated admin token."""

    data_dir: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    update_delay_s: float = DEFAULT_UPDATE_DELAY_S
    admin_token: str | None = None
    admin_token_file: Path | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    client_timeout_s: float = DEFAULT_CLIENT_TIMEOUT_S  # request headers, the whole body, idle keep-alive
    upstreams: tuple[str, ...] = ()  # gateway: ``PROVIDER=URL`` overrides of provider base URLs
    upstream_timeout_s: float = DEFAULT_UPSTREAM_TIMEOUT_S  # gateway: upstream read timeout
    upstream_transport: UpstreamTransport = DEFAULT_UPSTREAM_TRANSPORT  # gateway: one of UPSTREAM_TRANSPORTS
    allowed_upstream_hosts: tuple[str, ...] = ()  # gateway: when given, the only hosts upstream calls may reach
    max_db_bytes: int | None = None  # a quota on the database file (a full quota answers 503 like a full disk)
    allow_shared_data_dir: bool = False  # serve from a data dir writable by group or others (with a warning)

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"
