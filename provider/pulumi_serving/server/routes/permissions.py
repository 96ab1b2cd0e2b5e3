"""``/api/2.0/permissions/serving-endpoints/{id}`` routes (docs/databricks-api.md#permissions)."""

from __future__ import annotations

from fastapi import APIRouter

from ...payloads.endpoints import PermissionsRequest
from ..deps import BackendDep, PrincipalDep
from ..json_response import FastJSONResponse, reply

router = APIRouter(prefix="/api/2.0/permissions/serving-endpoints", tags=["permissions"])


@router.get("/{serving_endpoint_id}", summary="Get endpoint permissions")
async def get_permissions(serving_endpoint_id: str, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    return reply(backend.endpoint_acls.get_permissions(principal, serving_endpoint_id))


@router.put("/{serving_endpoint_id}", summary="Replace direct endpoint permissions")
async def set_permissions(
    serving_endpoint_id: str, body: PermissionsRequest, principal: PrincipalDep, backend: BackendDep
) -> FastJSONResponse:
    return reply(backend.endpoint_acls.set_permissions(principal, serving_endpoint_id, body, replace=True))


@router.patch("/{serving_endpoint_id}", summary="Merge endpoint permissions")
async def update_permissions(
    serving_endpoint_id: str, body: PermissionsRequest, principal: PrincipalDep, backend: BackendDep
) -> FastJSONResponse:
    return reply(backend.endpoint_acls.set_permissions(principal, serving_endpoint_id, body, replace=False))


@router.get("/{serving_endpoint_id}/permissionLevels", summary="Permission levels of an endpoint")
async def permission_levels(serving_endpoint_id: str, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    return reply(backend.endpoint_acls.permission_levels(principal, serving_endpoint_id))
