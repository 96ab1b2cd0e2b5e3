"""``/api/2.0/serving-endpoints`` routes (docs/databricks-api.md#endpoint-operations)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path

from ...payloads import api_paths
from ...payloads import endpoints as spec
from ...payloads.names import endpoint_name_problem
from ..deps import BackendDep, PrincipalDep
from ..json_response import FastJSONResponse, reply
from . import checked, route, slash_route

router = APIRouter(tags=["serving-endpoints"])
NamePath = Annotated[str, Path(description="Endpoint name")]


def _name(name: str) -> str:
    return checked("name", name, endpoint_name_problem)


@route(router, api_paths.CREATE_ENDPOINT, summary="Create a serving endpoint")
@slash_route(router, api_paths.CREATE_ENDPOINT)
async def create_endpoint(
    body: spec.CreateServingEndpoint, principal: PrincipalDep, backend: BackendDep
) -> FastJSONResponse:
    return reply(backend.endpoints.create(principal, body))


@route(router, api_paths.LIST_ENDPOINTS, summary="List serving endpoints")
@slash_route(router, api_paths.LIST_ENDPOINTS)
async def list_endpoints(principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    return reply({"endpoints": backend.endpoints.list(principal)})


@route(router, api_paths.GET_ENDPOINT, summary="Get a serving endpoint")
async def get_endpoint(name: NamePath, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    return reply(backend.endpoints.get(principal, _name(name)))


@route(router, api_paths.DELETE_ENDPOINT, summary="Delete a serving endpoint")
async def delete_endpoint(name: NamePath, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    backend.endpoints.delete(principal, _name(name))  # its usage rows go with it (keyed by the endpoint's id)
    return reply({})


@route(router, api_paths.PUT_CONFIG, summary="Update the served entities and traffic of an endpoint")
async def update_config(
    name: NamePath, body: spec.EndpointCoreConfigInput, principal: PrincipalDep, backend: BackendDep
) -> FastJSONResponse:
    return reply(backend.endpoints.update_config(principal, _name(name), body))


@route(router, api_paths.PUT_RATE_LIMITS, summary="Replace legacy rate limits (deprecated)")
async def put_rate_limits(
    name: NamePath, body: spec.PutRateLimitsRequest, principal: PrincipalDep, backend: BackendDep
) -> FastJSONResponse:
    return reply(backend.endpoints.put_rate_limits(principal, _name(name), body))


@route(router, api_paths.PUT_AI_GATEWAY, summary="Replace the AI gateway config")
async def put_ai_gateway(
    name: NamePath,
    principal: PrincipalDep,
    backend: BackendDep,
    body: Annotated[spec.AiGatewayConfig | None, Body()] = None,
) -> FastJSONResponse:
    return reply(backend.endpoints.put_ai_gateway(principal, _name(name), body))


@route(router, api_paths.PATCH_TAGS, summary="Add and delete endpoint tags")
async def patch_tags(
    name: NamePath, body: spec.PatchTagsRequest, principal: PrincipalDep, backend: BackendDep
) -> FastJSONResponse:
    return reply(backend.endpoints.patch_tags(principal, _name(name), body))


@route(router, api_paths.PATCH_NOTIFICATIONS, summary="Update email notifications")
async def patch_notifications(
    name: NamePath, body: spec.PatchNotificationsRequest, principal: PrincipalDep, backend: BackendDep
) -> FastJSONResponse:
    return reply(backend.endpoints.patch_notifications(principal, _name(name), body))


@route(router, api_paths.PATCH_TELEMETRY, summary="Set or remove the telemetry config (custom-model endpoints)")
async def patch_telemetry(
    name: NamePath, body: spec.PatchTelemetryRequest, principal: PrincipalDep, backend: BackendDep
) -> FastJSONResponse:
    return reply(backend.endpoints.patch_telemetry(principal, _name(name), body))


@route(router, api_paths.SERVED_ENTITY_LOGS, summary="Served entity logs (empty)")
@route(router, api_paths.SERVED_ENTITY_BUILD_LOGS, summary="Served entity build logs (empty)")
async def served_logs(
    name: NamePath, served_model_name: str, principal: PrincipalDep, backend: BackendDep
) -> FastJSONResponse:
    return reply(backend.endpoints.served_entity_logs(principal, _name(name), served_model_name))
