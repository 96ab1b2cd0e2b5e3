"""``/api/2.0/_faults`` over real HTTP: admin only, field-named 400s, injected Databricks errors, then normal service."""

from __future__ import annotations

import httpx
import pytest

from pulumi_serving.server.faults import FAULTS_PATH
from tests.support.payloads import error

pytestmark = pytest.mark.usefixtures("no_inprocess_faults_left")


def test_non_admin_gets_403_and_anonymous_401(inprocess_live_server) -> None:
    token = inprocess_live_server.mint_token("alice", groups=("ml",))
    with inprocess_live_server.client(token) as alice:
        for response in (
            alice.post(FAULTS_PATH, json={"status": 429}),
            alice.get(FAULTS_PATH),
            alice.delete(FAULTS_PATH),
        ):
            assert error(response)[:2] == (403, "PERMISSION_DENIED")
    assert httpx.get(inprocess_live_server.url + FAULTS_PATH).status_code == 401
    with inprocess_live_server.client() as admin:
        assert admin.get(FAULTS_PATH).json() == {"faults": []}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"status": 418}, "status"),
        ({"count": 1}, "status"),
        ({"status": 429, "count": 0}, "count"),
        ({"status": 503, "retry_after": "soon"}, "retry_after"),
        ({"status": 409, "method": "TRACE"}, "method"),
        ({"status": 409, "path_prefix": "serving-endpoints"}, "path_prefix"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(inprocess_live_server, body: dict, field: str) -> None:
    with inprocess_live_server.client() as admin:
        status, code, message = error(admin.post(FAULTS_PATH, json=body))
        assert (status, code) == (400, "INVALID_PARAMETER_VALUE")
        assert message.startswith(f"{field}:"), message
        assert admin.get(FAULTS_PATH).json() == {"faults": []}


def test_injected_errors_then_normal_service(inprocess_live_server) -> None:
    with inprocess_live_server.client() as admin:
        armed = admin.post(
            FAULTS_PATH,
            json={
                "status": 429,
                "count": 2,
                "retry_after": 7,
                "method": "get",
                "path_prefix": "/api/2.0/serving-endpoints",
            },
        ).json()
        assert armed["remaining"] == 2 and armed["method"] == "GET"
        admin.post(FAULTS_PATH, json={"status": 409, "method": "PUT"}).raise_for_status()
        assert admin.post("/api/2.0/secrets/scopes/create", json={"scope": "faults_untouched"}).status_code == 200

        limited = admin.get("/api/2.0/serving-endpoints")
        assert error(limited)[:2] == (429, "REQUEST_LIMIT_EXCEEDED") and limited.headers["retry-after"] == "7"
        assert [f["remaining"] for f in admin.get(FAULTS_PATH).json()["faults"]] == [1, 1]
        assert admin.get("/api/2.0/serving-endpoints").status_code == 429
        assert admin.get("/api/2.0/serving-endpoints").status_code == 200

        status, code, message = error(admin.put("/api/2.0/serving-endpoints/story/config", json={}))
        assert (status, code) == (409, "RESOURCE_CONFLICT") and "story is currently updating" in message
        assert admin.get(FAULTS_PATH).json() == {"faults": []}
        assert error(admin.put("/api/2.0/serving-endpoints/story/config", json={}))[0] != 409


def test_5xx_shapes_and_clear(inprocess_live_server) -> None:
    with inprocess_live_server.client() as admin:
        admin.post(FAULTS_PATH, json={"status": 503, "path_prefix": "/api/2.0/secrets"}).raise_for_status()
        admin.post(FAULTS_PATH, json={"status": 500, "path_prefix": "/api/2.0/secrets"}).raise_for_status()
        admin.post(FAULTS_PATH, json={"status": 502, "path_prefix": "/api/2.0/secrets"}).raise_for_status()
        unavailable = admin.get("/api/2.0/secrets/scopes/list")
        assert error(unavailable)[:2] == (503, "TEMPORARILY_UNAVAILABLE") and unavailable.headers["retry-after"] == "1"
        internal = admin.get("/api/2.0/secrets/scopes/list")
        assert error(internal)[:2] == (500, "INTERNAL_ERROR") and "retry-after" not in internal.headers
        assert admin.delete(FAULTS_PATH).json() == {"cleared": 1}
        assert admin.get("/api/2.0/secrets/scopes/list").status_code == 200
