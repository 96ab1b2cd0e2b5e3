"""Databricks workspace OAuth for service principals (machine-to-machine): host metadata
(``/.well-known/databricks-config``, where newer SDKs find the OIDC root), OIDC discovery and the
client-credentials token endpoint that databricks-sdk's ``oauth-m2m`` auth calls with
``DATABRICKS_CLIENT_ID`` / ``DATABRICKS_CLIENT_SECRET``. Tokens are a pure function of the client's id and secret."""

from __future__ import annotations

import base64
import binascii
import hashlib
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .behaviour import Behaviour, RequestRecord, hash_credential

TOKEN_LIFETIME_S = 3600
ACCESS_TOKEN_PREFIX = "fake-databricks-m2m-"


def access_token_for(client_id: str, client_secret: str) -> str:
    """The access token this fake issues to a client: tests compute it to check what a caller sends."""
    return ACCESS_TOKEN_PREFIX + hashlib.sha256(f"{client_id}|{client_secret}".encode()).hexdigest()[:32]


def _basic_auth(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, sep, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (client_id, secret) if sep else None


def _error(status: int, code: str, description: str) -> JSONResponse:
    return JSONResponse({"error": code, "error_description": description}, status_code=status)


#: What this module serves, by name (shown by ``GET /_control``).
PATHS = {
    "databricks-oidc": "/.well-known/databricks-config, /oidc/.well-known/oauth-authorization-server, /oidc/v1/token "
    "(service principal OAuth M2M)",
}


def routes(behaviour: Behaviour) -> list[Route]:
    async def host_metadata(request: Request) -> Response:
        return JSONResponse(
            {"oidc_endpoint": f"{str(request.base_url).rstrip('/')}/oidc", "workspace_id": "1234567890", "cloud": "aws"}
        )

    async def discovery(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "issuer": f"{base}/oidc",
                "authorization_endpoint": f"{base}/oidc/v1/authorize",
                "token_endpoint": f"{base}/oidc/v1/token",
            }
        )

    async def token(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode(errors="replace")).items()}
        client_id, secret = _basic_auth(request.headers.get("authorization", "")) or (
            str(form.get("client_id") or ""),
            str(form.get("client_secret") or ""),
        )
        status = 200
        try:
            if form.get("grant_type") != "client_credentials":
                status = 400
                return _error(400, "unsupported_grant_type", "grant_type must be client_credentials")
            if not client_id or not secret:
                status = 401
                return _error(401, "invalid_client", "client id and secret are required")
            return JSONResponse(
                {
                    "token_type": "Bearer",
                    "expires_in": TOKEN_LIFETIME_S,
                    "scope": form.get("scope"),
                    "access_token": access_token_for(client_id, secret),
                }
            )
        finally:
            behaviour.record(
                RequestRecord("databricks-oidc", "token", client_id, hash_credential(secret), False, status)
            )

    return [
        Route("/.well-known/databricks-config", host_metadata, methods=["GET"]),
        Route("/oidc/.well-known/oauth-authorization-server", discovery, methods=["GET"]),
        Route("/oidc/v1/token", token, methods=["POST"]),
    ]
