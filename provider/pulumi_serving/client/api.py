"""Typed calls of the serving API (serving endpoints and workspace secrets), one method per REST call."""

from __future__ import annotations

from typing import Any

from ..payloads import api_paths as paths
from ..payloads.api_paths import Api
from .http import HttpTransport

Json = dict[str, Any]


class ServingClient:
    """The Databricks serving/secrets REST surface used by the provider. Thin: no retries or waiting here."""

    def __init__(self, transport: HttpTransport) -> None:
        self.transport = transport

    @property
    def host(self) -> str:
        return self.transport.credentials.host

    def close(self) -> None:
        self.transport.close()

    def _call(self, api: Api, *, json: Any = None, params: dict[str, str] | None = None, **parameters: str) -> Any:
        """Send ``api`` with its path ``parameters`` filled in."""
        return self.transport.request(api.method, api.url(**parameters), json=json, params=params)

    # serving endpoints
    def create_endpoint(self, body: Json) -> Json:
        return self._call(paths.CREATE_ENDPOINT, json=body)

    def get_endpoint(self, name: str) -> Json:
        return self._call(paths.GET_ENDPOINT, name=name)

    def list_endpoints(self) -> list[Json]:
        return self._call(paths.LIST_ENDPOINTS).get("endpoints", [])

    def delete_endpoint(self, name: str) -> None:
        self._call(paths.DELETE_ENDPOINT, name=name)

    def update_config(self, name: str, config: Json) -> Json:
        return self._call(paths.PUT_CONFIG, json=config, name=name)

    def put_ai_gateway(self, name: str, gateway: Json) -> Json:
        return self._call(paths.PUT_AI_GATEWAY, json=gateway, name=name)

    def patch_tags(self, name: str, add: list[Json], delete: list[str]) -> list[Json]:
        body = {"add_tags": add, "delete_tags": delete}
        return self._call(paths.PATCH_TAGS, json=body, name=name).get("tags", [])

    def patch_notifications(self, name: str, body: Json) -> Json:
        return self._call(paths.PATCH_NOTIFICATIONS, json=body, name=name)

    def patch_telemetry(self, name: str, body: Json) -> Json:
        return self._call(paths.PATCH_TELEMETRY, json=body, name=name)

    def get_permissions(self, endpoint_id: str) -> Json:
        return self._call(paths.GET_PERMISSIONS, serving_endpoint_id=endpoint_id)

    def set_permissions(self, endpoint_id: str, body: Json) -> Json:
        return self._call(paths.SET_PERMISSIONS, json=body, serving_endpoint_id=endpoint_id)

    def invocation_url(self, name: str) -> str:
        return self.host + paths.INVOCATIONS.url(name=name)

    # secret scopes
    def create_scope(
        self, scope: str, *, backend_type: str | None = None, initial_manage_principal: str | None = None
    ) -> None:
        body: Json = {"scope": scope}
        if backend_type:
            body["scope_backend_type"] = backend_type
        if initial_manage_principal:
            body["initial_manage_principal"] = initial_manage_principal
        self._call(paths.CREATE_SCOPE, json=body)

    def delete_scope(self, scope: str) -> None:
        self._call(paths.DELETE_SCOPE, json={"scope": scope})

    def list_scopes(self) -> list[Json]:
        return self._call(paths.LIST_SCOPES).get("scopes", [])

    # secrets
    def put_secret(
        self, scope: str, key: str, *, string_value: str | None = None, bytes_value: str | None = None
    ) -> None:
        body: Json = {"scope": scope, "key": key}
        if bytes_value is not None:
            body["bytes_value"] = bytes_value
        else:
            body["string_value"] = string_value
        self._call(paths.PUT_SECRET, json=body)

    def delete_secret(self, scope: str, key: str) -> None:
        self._call(paths.DELETE_SECRET, json={"scope": scope, "key": key})

    def list_secrets(self, scope: str) -> list[Json]:
        return self._call(paths.LIST_SECRETS, params={"scope": scope}).get("secrets", [])

    # secret ACLs
    def put_acl(self, scope: str, principal: str, permission: str) -> None:
        body = {"scope": scope, "principal": principal, "permission": permission}
        self._call(paths.PUT_ACL, json=body)

    def delete_acl(self, scope: str, principal: str) -> None:
        self._call(paths.DELETE_ACL, json={"scope": scope, "principal": principal})

    def list_acls(self, scope: str) -> list[Json]:
        return self._call(paths.LIST_ACLS, params={"scope": scope}).get("items", [])

    # identity
    def current_user(self) -> Json:
        """The caller (SCIM ``Me``): ``userName`` and ``groups[].display``."""
        return self._call(paths.CURRENT_USER)

    def get_acl(self, scope: str, principal: str) -> Json:
        return self._call(paths.GET_ACL, params={"scope": scope, "principal": principal})
