"""The invocations gateway of the local serving API: the data plane of external-model endpoints.

``router`` serves the invocations, the OpenAI-compatible aliases and the usage API; :class:`Gateway` is the
process-global pipeline (adapters per provider, traffic routing and fallback, rate limits, usage).
"""

from .routes import router
from .service import Gateway, GatewaySettings

__all__ = ["Gateway", "GatewaySettings", "router"]
