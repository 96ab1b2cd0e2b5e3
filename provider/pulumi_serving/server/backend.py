"""The state backend (moto-style, no HTTP): database, encryption, tokens, secrets, endpoints."""

from __future__ import annotations

from dataclasses import dataclass

from .crypto import SecretBox
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
    admin_token_source: str

    def close(self) -> None:
        self.db.close()


def open_backend(settings: Settings) -> Backend:
    """Open (creating if needed) the state under ``settings.data_dir``."""
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(data_dir)
    box = SecretBox.for_data_dir(data_dir)
    admin_token, source = resolve_admin_token(data_dir, settings.admin_token)
    secrets = SecretStore(db, box)
    endpoints = EndpointStore(db, box, secrets, settings.update_delay_s)
    return Backend(db, TokenStore(db, admin_token), secrets, endpoints, source)
