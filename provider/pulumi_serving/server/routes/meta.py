"""Workspace metadata the databricks-sdk probes on start, and the caller's identity (SCIM ``Me``)."""

from __future__ import annotations

from fastapi import APIRouter

from ..deps import PrincipalDep
from ..json_response import FastJSONResponse, reply

router = APIRouter(tags=["meta"])
WORKSPACE_ID = "1234567890"


@router.get("/.well-known/databricks-config", summary="Host metadata for databricks-sdk")
async def databricks_config() -> FastJSONResponse:
    return reply({"workspace_id": WORKSPACE_ID, "oidc_endpoint": ""})


@router.get("/api/2.0/preview/scim/v2/Me", summary="The calling principal (SCIM Me)")
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
