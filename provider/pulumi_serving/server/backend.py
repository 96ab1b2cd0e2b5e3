"""The state backend (moto-style, no HTTP): database, encryption, tokens, secrets, endpoints."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .crypto import SecretBox
from .egress import Egress
from .endpoint_acls import EndpointAcls
from .endpoint_credentials import EndpointCredentials
from .endpoint_store import EndpointStore
from .principals import TokenStore, resolve_admin_token
from .secret_store import SecretStore
from .settings import Settings
from .storage import Database


@dataclass
class Backend:
    db: Database
    tokens: TokenStore
    secrets: SecretStore
    endpoints: EndpointStore
    endpoint_acls: EndpointAcls
    credentials: EndpointCredentials
    egress: Egress
    admin_token_source: str

    def close(self) -> None:
        self.db.close()


def open_backend(settings: Settings, clock: Callable[[], float] = time.time) -> Backend:
    """Open (creating if needed) the state under ``settings.data_dir``."""
    data_dir = settings.data_dir
    db = Database(data_dir, settings.max_db_bytes)
    box = SecretBox.for_data_dir(data_dir)
    admin_token, source = resolve_admin_token(data_dir, settings.admin_token, settings.admin_token_file)
    secrets = SecretStore(db, box)
    acls = EndpointAcls(db, clock)
    credentials = EndpointCredentials(db, box, secrets, clock)
    egress = Egress(settings.allowed_upstream_hosts, settings.upstreams)
    endpoints = EndpointStore(db, acls, credentials, egress, settings.update_delay_s, clock)
    return Backend(db, TokenStore(db, admin_token), secrets, endpoints, acls, credentials, egress, source)
