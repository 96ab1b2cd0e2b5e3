"""FastAPI dependencies: the backend of the app and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .backend import Backend
from .principals import Principal


def get_backend(request: Request) -> Backend:
    return request.app.state.backend


def current_principal(request: Request) -> Principal:
    """The caller of this request, authenticated by the guard before the body was read (401
    UNAUTHENTICATED without a valid bearer token)."""
    principal = request.scope.get("state", {}).get("principal")
    if isinstance(principal, Principal):
        return principal
    return get_backend(request).tokens.authenticate(request.headers.get("authorization"))


BackendDep = Annotated[Backend, Depends(get_backend)]
PrincipalDep = Annotated[Principal, Depends(current_principal)]
