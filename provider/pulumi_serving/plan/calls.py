"""The serving API calls the planner names (``{name}``: the endpoint's name, ``{id}``: its id)."""

from __future__ import annotations

from .model import Api

ENDPOINTS = "/api/2.0/serving-endpoints"

CREATE_ENDPOINT = Api("POST", ENDPOINTS)
GET_ENDPOINT = Api("GET", f"{ENDPOINTS}/{{name}}")
PUT_CONFIG = Api("PUT", f"{ENDPOINTS}/{{name}}/config")
PUT_AI_GATEWAY = Api("PUT", f"{ENDPOINTS}/{{name}}/ai-gateway")
PATCH_TAGS = Api("PATCH", f"{ENDPOINTS}/{{name}}/tags")
PATCH_NOTIFICATIONS = Api("PATCH", f"{ENDPOINTS}/{{name}}/notifications")
PATCH_TELEMETRY = Api("PATCH", f"{ENDPOINTS}/{{name}}/telemetry-config")
GET_PERMISSIONS = Api("GET", "/api/2.0/permissions/serving-endpoints/{id}")
SET_PERMISSIONS = Api("PUT", "/api/2.0/permissions/serving-endpoints/{id}")
CURRENT_USER = Api("GET", "/api/2.0/preview/scim/v2/Me")
PUT_SECRET = Api("POST", "/api/2.0/secrets/put")
LIST_SECRETS = Api("GET", "/api/2.0/secrets/list")
PUT_ACL = Api("POST", "/api/2.0/secrets/acls/put")
DELETE_ACL = Api("POST", "/api/2.0/secrets/acls/delete")
