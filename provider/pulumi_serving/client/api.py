"""Typed calls of the serving API (serving endpoints and workspace secrets), one method per REST call."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .http import HttpTransport

Json = dict[str, Any]


def _seg(name: str) -> str:
    return quote(name, safe="")


class ServingClient:
    """The Databricks serving/secrets REST surface used by the provider. Thin: no retries or waiting here."""

    def __init__(self, transport: HttpTransport) -> None:
        self.transport = transport

    @property
    def host(self) -> str:
        return self.transport.credentials.host

    def close(self) -> None:
        self.transport.close()

    # serving endpoints
    def create_endpoint(self, body: Json) -> Json:
        return self.transport.request("POST", "/api/2.0/serving-endpoints", json=body)

    def get_endpoint(self, name: str) -> Json:
        return self.transport.request("GET", f"/api/2.0/serving-endpoints/{_seg(name)}")

    def list_endpoints(self) -> list[Json]:
        return self.transport.request("GET", "/api/2.0/serving-endpoints").get("endpoints", [])

    def delete_endpoint(self, name: str) -> None:
        self.transport.request("DELETE", f"/api/2.0/serving-endpoints/{_seg(name)}")

    def update_config(self, name: str, config: Json) -> Json:
        return self.transport.request("PUT", f"/api/2.0/serving-endpoints/{_seg(name)}/config", json=config)

    def put_ai_gateway(self, name: str, gateway: Json) -> Json:
        return self.transport.request("PUT", f"/api/2.0/serving-endpoints/{_seg(name)}/ai-gateway", json=gateway)

    def patch_tags(self, name: str, add: list[Json], delete: list[str]) -> list[Json]:
        body = {"add_tags": add, "delete_tags": delete}
        return self.transport.request("PATCH", f"/api/2.0/serving-endpoints/{_seg(name)}/tags", json=body).get(
            "tags", []
        )

    def patch_notifications(self, name: str, body: Json) -> Json:
        return self.transport.request("PATCH", f"/api/2.0/serving-endpoints/{_seg(name)}/notifications", json=body)

    def patch_telemetry(self, name: str, body: Json) -> Json:
        return self.transport.request("PATCH", f"/api/2.0/serving-endpoints/{_seg(name)}/telemetry-config", json=body)

    def get_permissions(self, endpoint_id: str) -> Json:
        return self.transport.request("GET", f"/api/2.0/permissions/serving-endpoints/{_seg(endpoint_id)}")

    def set_permissions(self, endpoint_id: str, body: Json) -> Json:
        return self.transport.request("PUT", f"/api/2.0/permissions/serving-endpoints/{_seg(endpoint_id)}", json=body)

    def invocation_url(self, name: str) -> str:
        return f"{self.host}/serving-endpoints/{_seg(name)}/invocations"

    # secret scopes
    def create_scope(
        self, scope: str, *, backend_type: str | None = None, initial_manage_principal: str | None = None
    ) -> None:
        body: Json = {"scope": scope}
        if backend_type:
            body["scope_backend_type"] = backend_type
        if initial_manage_principal:
            body["initial_manage_principal"] = initial_manage_principal
        self.transport.request("POST", "/api/2.0/secrets/scopes/create", json=body)

    def delete_scope(self, scope: str) -> None:
        self.transport.request("POST", "/api/2.0/secrets/scopes/delete", json={"scope": scope})

    def list_scopes(self) -> list[Json]:
        return self.transport.request("GET", "/api/2.0/secrets/scopes/list").get("scopes", [])

    # secrets
    def put_secret(
        self, scope: str, key: str, *, string_value: str | None = None, bytes_value: str | None = None
    ) -> None:
        body: Json = {"scope": scope, "key": key}
        if bytes_value is not None:
            body["bytes_value"] = bytes_value
        else:
            body["string_value"] = string_value
        self.transport.request("POST", "/api/2.0/secrets/put", json=body)

    def delete_secret(self, scope: str, key: str) -> None:
        self.transport.request("POST", "/api/2.0/secrets/delete", json={"scope": scope, "key": key})

    def list_secrets(self, scope: str) -> list[Json]:
        return self.transport.request("GET", "/api/2.0/secrets/list", params={"scope": scope}).get("secrets", [])

    # secret ACLs
    def put_acl(self, scope: str, principal: str, permission: str) -> None:
        body = {"scope": scope, "principal": principal, "permission": permission}
        self.transport.request("POST", "/api/2.0/secrets/acls/put", json=body)

    def delete_acl(self, scope: str, principal: str) -> None:
        self.transport.request("POST", "/api/2.0/secrets/acls/delete", json={"scope": scope, "principal": principal})

    def list_acls(self, scope: str) -> list[Json]:
        return self.transport.request("GET", "/api/2.0/secrets/acls/list", params={"scope": scope}).get("items", [])

    # identity
    def current_user(self) -> Json:
        """The caller (SCIM ``Me``): ``userName`` and ``groups[].display``."""
        return self.transport.request("GET", "/api/2.0/preview/scim/v2/Me")

    def get_acl(self, scope: str, principal: str) -> Json:
        return self.transport.request(
            "GET", "/api/2.0/secrets/acls/get", params={"scope": scope, "principal": principal}
        )
