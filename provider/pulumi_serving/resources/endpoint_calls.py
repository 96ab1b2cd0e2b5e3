"""Execute a planned list of endpoint calls, one progress line each; decides nothing (the plan did)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..client import ServingClient
from ..payloads import api_paths
from ..payloads.api_paths import Api
from ..plan import Call
from . import diagnostics
from .provider_base import Json

Handler = Callable[[ServingClient, str, Call, "Json | None"], Any]


def _keep_rate_limits(body: Json, live: Json | None) -> Json:
    """The AI gateway to PUT: the declared sections plus the rate limits RateLimits owns on the server."""
    gateway = dict(body)
    limits = ((live or {}).get("ai_gateway") or {}).get("rate_limits")
    if limits:
        gateway["rate_limits"] = limits
    return gateway


_ENDPOINT_RETURNING: dict[Api, Handler] = {
    api_paths.CREATE_ENDPOINT: lambda client, name, call, live: client.create_endpoint(call.body),
    api_paths.GET_ENDPOINT: lambda client, name, call, live: client.get_endpoint(name),
    api_paths.PUT_CONFIG: lambda client, name, call, live: client.update_config(name, call.body),
}
_OTHERS: dict[Api, Handler] = {
    api_paths.PATCH_TAGS: lambda client, name, call, live: client.patch_tags(
        name, call.body["add_tags"], call.body["delete_tags"]
    ),
    api_paths.PATCH_NOTIFICATIONS: lambda client, name, call, live: client.patch_notifications(name, call.body),
    api_paths.PATCH_TELEMETRY: lambda client, name, call, live: client.patch_telemetry(name, call.body),
    api_paths.PUT_AI_GATEWAY: lambda client, name, call, live: client.put_ai_gateway(
        name, _keep_rate_limits(call.body, live)
    ),
}


def execute(client: ServingClient, name: str, planned: list[Call], label: str) -> Json | None:
    """Send each call in order; return the last endpoint body a call answered with (None when none did)."""
    endpoint: Json | None = None
    for call in planned:
        diagnostics.info(f"{label}: {call.describe()}")
        if call.api in _ENDPOINT_RETURNING:
            endpoint = _ENDPOINT_RETURNING[call.api](client, name, call, endpoint)
        else:
            _OTHERS[call.api](client, name, call, endpoint)
    return endpoint
