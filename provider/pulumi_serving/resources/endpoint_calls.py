"""How a ServingEndpoint's planned calls are sent: one handler per API, for the executor."""

from __future__ import annotations

from dataclasses import dataclass

from ..client import ServingClient
from ..payloads import api_paths
from ..payloads.api_paths import Api
from ..plan import Call
from .executor import Handler
from .provider_base import Json


@dataclass
class EndpointRun:
    """What an endpoint's calls share: the endpoint's name, and the last endpoint body a call answered with."""

    client: ServingClient
    name: str
    endpoint: Json | None = None


def _create(call: Call, run: EndpointRun) -> None:
    run.endpoint = run.client.create_endpoint(call.body)


def _read(call: Call, run: EndpointRun) -> None:
    run.endpoint = run.client.get_endpoint(run.name)


def _put_config(call: Call, run: EndpointRun) -> None:
    run.endpoint = run.client.update_config(run.name, call.body)


def _patch_tags(call: Call, run: EndpointRun) -> None:
    run.client.patch_tags(run.name, call.body["add_tags"], call.body["delete_tags"])


def _patch_notifications(call: Call, run: EndpointRun) -> None:
    run.client.patch_notifications(run.name, call.body)


def _patch_telemetry(call: Call, run: EndpointRun) -> None:
    run.client.patch_telemetry(run.name, call.body)


def _put_ai_gateway(call: Call, run: EndpointRun) -> None:
    """The declared sections plus the rate limits RateLimits owns on the server (read by the GET planned before)."""
    gateway = dict(call.body)
    if limits := ((run.endpoint or {}).get("ai_gateway") or {}).get("rate_limits"):
        gateway["rate_limits"] = limits
    run.client.put_ai_gateway(run.name, gateway)


HANDLERS: dict[Api, Handler[EndpointRun]] = {
    api_paths.CREATE_ENDPOINT: _create,
    api_paths.GET_ENDPOINT: _read,
    api_paths.PUT_CONFIG: _put_config,
    api_paths.PATCH_TAGS: _patch_tags,
    api_paths.PATCH_NOTIFICATIONS: _patch_notifications,
    api_paths.PATCH_TELEMETRY: _patch_telemetry,
    api_paths.PUT_AI_GATEWAY: _put_ai_gateway,
}
