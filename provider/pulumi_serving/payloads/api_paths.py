"""Every operation of the serving API, by method and path template: the one table the client builds its URLs from,
the planner's call descriptions render from and the local server's routes (and its data-plane front door) read.

A template's ``{parameter}`` is one path segment, named as the Databricks REST reference names it
(docs/databricks-api.md); the planner's descriptions show the endpoint's id as ``{id}``. Pure data, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

_DESCRIBED_AS = {"{serving_endpoint_id}": "{id}"}


@dataclass(frozen=True)
class Api:
    """One operation: its HTTP method and path template."""

    method: str
    path: str
    _pattern: tuple[str | None, ...] = field(init=False, repr=False, compare=False)
    _literal_start: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern = tuple(None if s.startswith("{") else s for s in self.path.split("/"))
        object.__setattr__(self, "_pattern", pattern)
        object.__setattr__(self, "_literal_start", self.path.partition("{")[0])

    def __str__(self) -> str:
        """How a plan names the call, e.g. ``PUT /api/2.0/serving-endpoints/{name}/config``."""
        path = self.path
        for parameter, shown in _DESCRIBED_AS.items():
            path = path.replace(parameter, shown)
        return f"{self.method} {path}"

    def url(self, **parameters: str) -> str:
        """The path with each ``{parameter}`` filled in, percent-encoded as one segment (``/`` included)."""
        return self.path.format(**{key: quote(value, safe="") for key, value in parameters.items()})

    def match(self, path: str) -> tuple[str, ...] | None:
        """The parameters' values in order when ``path`` fills this template (each a non-empty segment)."""
        if not path.startswith(self._literal_start):
            return None
        parts = path.split("/")
        if len(parts) != len(self._pattern):
            return None
        values = []
        for literal, part in zip(self._pattern, parts, strict=True):
            if literal is None:
                if not part:
                    return None
                values.append(part)
            elif literal != part:
                return None
        return tuple(values)


# serving endpoints (control plane)
CREATE_ENDPOINT = Api("POST", "/api/2.0/serving-endpoints")
LIST_ENDPOINTS = Api("GET", "/api/2.0/serving-endpoints")
GET_ENDPOINT = Api("GET", "/api/2.0/serving-endpoints/{name}")
DELETE_ENDPOINT = Api("DELETE", "/api/2.0/serving-endpoints/{name}")
PUT_CONFIG = Api("PUT", "/api/2.0/serving-endpoints/{name}/config")
PUT_RATE_LIMITS = Api("PUT", "/api/2.0/serving-endpoints/{name}/rate-limits")
PUT_AI_GATEWAY = Api("PUT", "/api/2.0/serving-endpoints/{name}/ai-gateway")
PATCH_TAGS = Api("PATCH", "/api/2.0/serving-endpoints/{name}/tags")
PATCH_NOTIFICATIONS = Api("PATCH", "/api/2.0/serving-endpoints/{name}/notifications")
PATCH_TELEMETRY = Api("PATCH", "/api/2.0/serving-endpoints/{name}/telemetry-config")
SERVED_ENTITY_LOGS = Api("GET", "/api/2.0/serving-endpoints/{name}/served-models/{served_model_name}/logs")
SERVED_ENTITY_BUILD_LOGS = Api("GET", "/api/2.0/serving-endpoints/{name}/served-models/{served_model_name}/build-logs")
ENDPOINT_USAGE = Api("GET", "/api/2.0/serving-endpoints/{name}/usage")  # the local server's usage tracking

# endpoint permissions
GET_PERMISSIONS = Api("GET", "/api/2.0/permissions/serving-endpoints/{serving_endpoint_id}")
SET_PERMISSIONS = Api("PUT", "/api/2.0/permissions/serving-endpoints/{serving_endpoint_id}")
UPDATE_PERMISSIONS = Api("PATCH", "/api/2.0/permissions/serving-endpoints/{serving_endpoint_id}")
PERMISSION_LEVELS = Api("GET", "/api/2.0/permissions/serving-endpoints/{serving_endpoint_id}/permissionLevels")

# secret scopes, secrets and scope ACLs
CREATE_SCOPE = Api("POST", "/api/2.0/secrets/scopes/create")
DELETE_SCOPE = Api("POST", "/api/2.0/secrets/scopes/delete")
LIST_SCOPES = Api("GET", "/api/2.0/secrets/scopes/list")
PUT_SECRET = Api("POST", "/api/2.0/secrets/put")
DELETE_SECRET = Api("POST", "/api/2.0/secrets/delete")
LIST_SECRETS = Api("GET", "/api/2.0/secrets/list")
GET_SECRET = Api("GET", "/api/2.0/secrets/get")
PUT_ACL = Api("POST", "/api/2.0/secrets/acls/put")
DELETE_ACL = Api("POST", "/api/2.0/secrets/acls/delete")
GET_ACL = Api("GET", "/api/2.0/secrets/acls/get")
LIST_ACLS = Api("GET", "/api/2.0/secrets/acls/list")

# identity and workspace metadata
CURRENT_USER = Api("GET", "/api/2.0/preview/scim/v2/Me")
WORKSPACE_CONFIG = Api("GET", "/.well-known/databricks-config")

# invocations (data plane)
INVOCATIONS = Api("POST", "/serving-endpoints/{name}/invocations")
SERVED_MODEL_INVOCATIONS = Api("POST", "/serving-endpoints/{name}/served-models/{served_model}/invocations")
OPENAI_ALIASES: dict[str, Api] = {
    kind: Api("POST", f"/serving-endpoints/{kind}") for kind in ("completions", "chat/completions", "embeddings")
}
"""The OpenAI-compatible aliases by kind: the body's ``model`` names the endpoint."""

# fault injection (the local server's admin-only test control)
ARM_FAULT = Api("POST", "/api/2.0/_faults")
LIST_FAULTS = Api("GET", "/api/2.0/_faults")
CLEAR_FAULTS = Api("DELETE", "/api/2.0/_faults")

OPERATIONS: tuple[Api, ...] = (
    *(value for value in tuple(globals().values()) if isinstance(value, Api)),
    *OPENAI_ALIASES.values(),
)
"""Every operation above, in order."""
