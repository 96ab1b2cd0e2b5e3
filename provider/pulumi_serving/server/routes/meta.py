"""Workspace metadata the databricks-sdk probes on start (reference §1.1)."""

from __future__ import annotations

from fastapi import APIRouter

from . import FastJSONResponse, reply

router = APIRouter(tags=["meta"])
WORKSPACE_ID = "1234567890"


@router.get("/.well-known/databricks-config", summary="Host metadata for databricks-sdk")
async def databricks_config() -> FastJSONResponse:
    return reply({"workspace_id": WORKSPACE_ID, "oidc_endpoint": ""})
