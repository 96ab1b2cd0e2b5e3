"""Microsoft Entra ID client-credentials token endpoint, for Azure OpenAI with ``openai_api_type: azuread``."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .behaviour import Behaviour, RequestRecord, hash_credential
from .openai_wire import ENTRA_TOKEN_PREFIX

TOKEN_LIFETIME_S = 3600


def _error(status: int, code: str, description: str) -> JSONResponse:
    return JSONResponse({"error": code, "error_description": description}, status_code=status)


#: What this module serves, by name (shown by ``GET /_control``).
PATHS = {
    "entra": "/{tenant}/oauth2/v2.0/token (client credentials)",
}


def routes(behaviour: Behaviour) -> list[Route]:
    async def token(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode(errors="replace")).items()}
        tenant = request.path_params["tenant"]
        secret = str(form.get("client_secret") or "")
        status = 200
        try:
            if form.get("grant_type") != "client_credentials":
                status = 400
                return _error(400, "unsupported_grant_type", "grant_type must be client_credentials")
            if not form.get("client_id") or not secret:
                status = 401
                return _error(401, "invalid_client", "client_id and client_secret are required")
            digest = hashlib.sha256(f"{tenant}|{form['client_id']}|{secret}".encode()).hexdigest()[:32]
            return JSONResponse(
                {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME_S, "access_token": ENTRA_TOKEN_PREFIX + digest}
            )
        finally:
            behaviour.record(
                RequestRecord(
                    "entra", "token", str(form.get("client_id") or ""), hash_credential(secret), False, status
                )
            )

    return [Route("/{tenant}/oauth2/v2.0/token", token, methods=["POST"])]
