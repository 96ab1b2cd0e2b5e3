"""``/api/2.0/secrets`` routes (docs/databricks-api.md#secrets). Mutations answer ``{}``; values are never returned."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ...payloads import secrets as spec
from ...payloads.names import scope_name_problem, secret_key_problem
from ..deps import BackendDep, PrincipalDep
from ..json_response import FastJSONResponse, reply
from . import checked

router = APIRouter(prefix="/api/2.0/secrets", tags=["secrets"])
ScopeQuery = Annotated[str, Query(description="Scope name")]


def _scope(scope: str) -> str:
    return checked("scope", scope, scope_name_problem)


def _key(key: str) -> str:
    return checked("key", key, secret_key_problem)


@router.post("/scopes/create", summary="Create a secret scope")
async def create_scope(body: spec.CreateScope, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    backend.secrets.create_scope(principal, body)
    return reply({})


@router.post("/scopes/delete", summary="Delete a secret scope")
async def delete_scope(body: spec.DeleteScope, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    backend.secrets.delete_scope(principal, body.scope)
    return reply({})


@router.get("/scopes/list", summary="List secret scopes")
async def list_scopes(principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    return reply({"scopes": backend.secrets.list_scopes(principal)})


@router.post("/put", summary="Create or overwrite a secret")
async def put_secret(body: spec.PutSecret, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    backend.secrets.put_secret(principal, body)
    return reply({})


@router.post("/delete", summary="Delete a secret")
async def delete_secret(body: spec.DeleteSecret, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    backend.secrets.delete_secret(principal, body.scope, body.key)
    return reply({})


@router.get("/list", summary="List secret keys (metadata only)")
async def list_secrets(scope: ScopeQuery, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    return reply({"secrets": backend.secrets.list_secrets(principal, _scope(scope))})


@router.get("/get", summary="Get a secret value, base64 (admin token only)")
async def get_secret(
    scope: ScopeQuery, key: Annotated[str, Query()], principal: PrincipalDep, backend: BackendDep
) -> FastJSONResponse:
    return reply({"key": key, "value": backend.secrets.get_secret_base64(principal, _scope(scope), _key(key))})


@router.post("/acls/put", summary="Create or overwrite a scope ACL")
async def put_acl(body: spec.PutAcl, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    backend.secrets.put_acl(principal, body)
    return reply({})


@router.post("/acls/delete", summary="Delete a scope ACL")
async def delete_acl(body: spec.DeleteAcl, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    backend.secrets.delete_acl(principal, body.scope, body.principal)
    return reply({})


@router.get("/acls/get", summary="Get one scope ACL")
async def get_acl(
    scope: ScopeQuery,
    principal_name: Annotated[str, Query(alias="principal")],
    principal: PrincipalDep,
    backend: BackendDep,
) -> FastJSONResponse:
    return reply(backend.secrets.get_acl(principal, _scope(scope), principal_name))


@router.get("/acls/list", summary="List scope ACLs")
async def list_acls(scope: ScopeQuery, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    return reply({"items": backend.secrets.list_acls(principal, _scope(scope))})
