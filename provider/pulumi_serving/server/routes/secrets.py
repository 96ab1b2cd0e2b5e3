"""``/api/2.0/secrets`` routes (docs/databricks-api.md#secrets). Mutations answer ``{}``; values are never returned."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ...payloads import api_paths
from ...payloads import secrets as spec
from ...payloads.names import scope_name_problem, secret_key_problem
from ..deps import BackendDep, PrincipalDep
from ..json_response import FastJSONResponse, reply
from . import checked, route

router = APIRouter(tags=["secrets"])
ScopeQuery = Annotated[str, Query(description="Scope name")]


def _scope(scope: str) -> str:
    return checked("scope", scope, scope_name_problem)


def _key(key: str) -> str:
    return checked("key", key, secret_key_problem)


@route(router, api_paths.CREATE_SCOPE, summary="Create a secret scope")
async def create_scope(body: spec.CreateScope, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    backend.secrets.create_scope(principal, body)
    return reply({})


@route(router, api_paths.DELETE_SCOPE, summary="Delete a secret scope")
async def delete_scope(body: spec.DeleteScope, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    backend.secrets.delete_scope(principal, body.scope)
    return reply({})


@route(router, api_paths.LIST_SCOPES, summary="List secret scopes")
async def list_scopes(principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    return reply({"scopes": backend.secrets.list_scopes(principal)})


@route(router, api_paths.PUT_SECRET, summary="Create or overwrite a secret")
async def put_secret(body: spec.PutSecret, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    backend.secrets.put_secret(principal, body)
    return reply({})


@route(router, api_paths.DELETE_SECRET, summary="Delete a secret")
async def delete_secret(body: spec.DeleteSecret, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    backend.secrets.delete_secret(principal, body.scope, body.key)
    return reply({})


@route(router, api_paths.LIST_SECRETS, summary="List secret keys (metadata only)")
async def list_secrets(scope: ScopeQuery, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    return reply({"secrets": backend.secrets.list_secrets(principal, _scope(scope))})


@route(router, api_paths.GET_SECRET, summary="Get a secret value, base64 (admin token only)")
async def get_secret(
    scope: ScopeQuery, key: Annotated[str, Query()], principal: PrincipalDep, backend: BackendDep
) -> FastJSONResponse:
    return reply({"key": key, "value": backend.secrets.get_secret_base64(principal, _scope(scope), _key(key))})


@route(router, api_paths.PUT_ACL, summary="Create or overwrite a scope ACL")
async def put_acl(body: spec.PutAcl, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    backend.secrets.put_acl(principal, body)
    return reply({})


@route(router, api_paths.DELETE_ACL, summary="Delete a scope ACL")
async def delete_acl(body: spec.DeleteAcl, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    backend.secrets.delete_acl(principal, body.scope, body.principal)
    return reply({})


@route(router, api_paths.GET_ACL, summary="Get one scope ACL")
async def get_acl(
    scope: ScopeQuery,
    principal_name: Annotated[str, Query(alias="principal")],
    principal: PrincipalDep,
    backend: BackendDep,
) -> FastJSONResponse:
    return reply(backend.secrets.get_acl(principal, _scope(scope), principal_name))


@route(router, api_paths.LIST_ACLS, summary="List scope ACLs")
async def list_acls(scope: ScopeQuery, principal: PrincipalDep, backend: BackendDep) -> FastJSONResponse:
    return reply({"items": backend.secrets.list_acls(principal, _scope(scope))})
