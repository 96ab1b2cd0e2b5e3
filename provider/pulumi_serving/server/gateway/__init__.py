"""The invocations gateway of the local serving API: the data plane of external-model endpoints.

``router`` serves the invocations, the OpenAI-compatible aliases and the usage API (``Front``, the outermost ASGI
callable, answers the invocation paths ahead of every app layer); :class:`Gateway` is the
process-global pipeline (adapters per provider, traffic routing and fallback, rate limits, usage).
"""

from .dispatch import Front
from .http_api import install, router
from .service import Gateway, GatewaySettings

__all__ = ["Front", "Gateway", "GatewaySettings", "install", "router"]
