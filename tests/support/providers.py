"""The package's dynamic providers configured against a live local server, as the Pulumi engine configures them."""

from __future__ import annotations

from typing import TypeVar

from pulumi.dynamic import Config, ConfigureRequest, ResourceProvider

from .inprocess import InProcessServer
from .server import LiveServer

P = TypeVar("P", bound=ResourceProvider)


def configured(cls: type[P], server: LiveServer | InProcessServer) -> P:
    """A new ``cls`` provider whose ``serving:host``/``serving:token`` config names ``server`` and its admin."""
    provider = cls()
    provider.configure(
        ConfigureRequest(Config({"serving:host": server.url, "serving:token": server.admin_token}, "serving"))
    )
    return provider
