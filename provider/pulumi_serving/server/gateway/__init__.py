"""The invocations gateway of the local serving API: the data plane of external-model endpoints.

``router`` serves the invocations, the OpenAI-compatible aliases and the usage API (``DataPlane``, a middleware,
answers the invocation paths ahead of FastAPI's router); :class:`Gateway` is the
process-global pipeline (adapters per provider, traffic routing and fallback, rate limits, usage).
"""

from .dispatch import DataPlane
from .http_api import install, router
from .service import Gateway, GatewaySettings

__all__ = ["DataPlane", "Gateway", "GatewaySettings", "install", "router"]
