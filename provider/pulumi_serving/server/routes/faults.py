"""``/api/2.0/_faults``: admin-only control of injected faults (arm, list, clear), for tests of client retries."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ...payloads import api_paths
from ..deps import PrincipalDep
from ..errors import PermissionDenied
from ..faults import FaultPlan, FaultRule
from ..json_response import FastJSONResponse, reply
from ..principals import Principal
from . import route

router = APIRouter(tags=["faults"])


def _plan(request: Request, principal: Principal) -> FaultPlan:
    if not principal.is_admin:
        raise PermissionDenied("Only workspace admins may inject faults.")
    return request.app.state.faults


@route(router, api_paths.ARM_FAULT, summary="Make the next matching requests fail (admin only)")
async def arm_fault(body: FaultRule, request: Request, principal: PrincipalDep) -> FastJSONResponse:
    return reply(_plan(request, principal).arm(body))


@route(router, api_paths.LIST_FAULTS, summary="List armed faults (admin only)")
async def list_faults(request: Request, principal: PrincipalDep) -> FastJSONResponse:
    return reply({"faults": _plan(request, principal).list()})


@route(router, api_paths.CLEAR_FAULTS, summary="Clear every armed fault (admin only)")
async def clear_faults(request: Request, principal: PrincipalDep) -> FastJSONResponse:
    return reply({"cleared": _plan(request, principal).clear()})
