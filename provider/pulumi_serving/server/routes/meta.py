"""Workspace metadata the databricks-sdk probes on start, and the caller's identity (SCIM ``Me``)."""

from __future__ import annotations

from fastapi import APIRouter

from ...payloads import api_paths
from ..deps import PrincipalDep
from ..json_response import FastJSONResponse, reply
from . import route

router = APIRouter(tags=["meta"])
WORKSPACE_ID = "1234567890"


@route(router, api_paths.WORKSPACE_CONFIG, summary="Host metadata for databricks-sdk")
async def databricks_config() -> FastJSONResponse:
    return reply({"workspace_id": WORKSPACE_ID, "oidc_endpoint": ""})


@route(router, api_paths.CURRENT_USER, summary="The calling principal (SCIM Me)")
async def me(principal: PrincipalDep) -> FastJSONResponse:
    groups = [{"display": g, "value": g} for g in principal.groups]
    return reply(
        {
            "id": principal.name,
            "userName": principal.name,
            "displayName": principal.name,
            "active": True,
            "groups": groups,
        }
    )
