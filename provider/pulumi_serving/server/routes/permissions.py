"""``/api/2.0/permissions/serving-endpoints/{id}`` routes (docs/databricks-api.md#permissions)."""

from __future__ import annotations

from fastapi import APIRouter

from ...payloads import api_paths
from ...payloads.endpoints import PermissionsRequest
from ..deps import BackendDep, PrincipalDep
from ..json_response import FastJSONResponse, reply
from . import route

router = APIRouter(tags=["permissions"])


@route(router, api_paths.GET_PERMISSIONS, summary="Get endpoint permissions")
async def get_permissions(serving_endpoint_id: str, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    return reply(backend.endpoint_acls.get_permissions(principal, serving_endpoint_id))


@route(router, api_paths.SET_PERMISSIONS, summary="Replace direct endpoint permissions")
async def set_permissions(
    serving_endpoint_id: str, body: PermissionsRequest, principal: PrincipalDep, backend: BackendDep
) -> FastJSONResponse:
    return reply(backend.endpoint_acls.set_permissions(principal, serving_endpoint_id, body, replace=True))


@route(router, api_paths.UPDATE_PERMISSIONS, summary="Merge endpoint permissions")
async def update_permissions(
    serving_endpoint_id: str, body: PermissionsRequest, principal: PrincipalDep, backend: BackendDep
) -> FastJSONResponse:
    return reply(backend.endpoint_acls.set_permissions(principal, serving_endpoint_id, body, replace=False))


@route(router, api_paths.PERMISSION_LEVELS, summary="Permission levels of an endpoint")
async def permission_levels(serving_endpoint_id: str, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    return reply(backend.endpoint_acls.permission_levels(principal, serving_endpoint_id))
