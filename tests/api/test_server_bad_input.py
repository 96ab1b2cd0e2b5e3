"""Bad input is a 4xx naming the field and the reason; never a 5xx; the server keeps serving."""

from __future__ import annotations

import httpx
import pytest

from tests.support.payloads import create_body, error, openai_entity

EP = "/api/2.0/serving-endpoints"

CASES = [
    # (method, path, raw body, expected status, error_code, message fragment)
    ("POST", EP, b'{"name": "x",', 400, "MALFORMED_REQUEST", "Malformed JSON"),
    ("POST", EP, b"", 400, "INVALID_PARAMETER_VALUE", "request body"),
    ("POST", EP, b"[1, 2]", 400, "INVALID_PARAMETER_VALUE", "request body"),
    ("POST", EP, b'"just a string"', 400, "INVALID_PARAMETER_VALUE", "request body"),
    ("POST", EP, b'{"name": 7}', 400, "INVALID_PARAMETER_VALUE", "name: input should be a valid string"),
    ("POST", EP, b'{"name": "ok", "route_optimized": "true"}', 400, "INVALID_PARAMETER_VALUE", "route_optimized"),
    ("POST", EP, b'{"name": "ok", "colour": "blue"}', 400, "INVALID_PARAMETER_VALUE", "colour: unknown field"),
    ("POST", EP, b'{"name": "../../etc/passwd"}', 400, "INVALID_PARAMETER_VALUE", "name: endpoint name"),
    ("POST", EP, b'{"name": "' + b"a" * 64 + b'"}', 400, "INVALID_PARAMETER_VALUE", "at most 63 characters"),
    ("POST", EP, b'\xff\xfe{"name"}', 400, "MALFORMED_REQUEST", "Malformed JSON"),
    (
        "POST",
        EP,
        b'{"name": "n", "config": {"served_entities": [{"external_model": {"provider": "openai",'
        b' "name": "m", "task": "llm/v1/chat", "openai_config": {"openai_api_type": "azure-gov",'
        b' "openai_api_key": "{{secrets/a/b}}"}}}]}}',
        400,
        "INVALID_PARAMETER_VALUE",
        "config.served_entities[0].external_model.openai_config.openai_api_type: unknown value 'azure-gov'",
    ),
    (
        "PUT",
        f"{EP}/x/ai-gateway",
        b'{"rate_limits": [{"calls": -1, "renewal_period": "minute"}]}',
        400,
        "INVALID_PARAMETER_VALUE",
        "rate_limits[0].calls",
    ),
    (
        "PUT",
        f"{EP}/x/ai-gateway",
        b'{"rate_limits": [{"calls": 1.5, "renewal_period": "minute"}]}',
        400,
        "INVALID_PARAMETER_VALUE",
        "rate_limits[0].calls",
    ),
    ("PATCH", f"{EP}/x/tags", b'{"add_tags": "k=v"}', 400, "INVALID_PARAMETER_VALUE", "add_tags"),
    (
        "POST",
        "/api/2.0/secrets/scopes/create",
        b'{"scope": ".."}',
        400,
        "INVALID_PARAMETER_VALUE",
        "scope: scope name '..' is not allowed (path traversal)",
    ),
    ("POST", "/api/2.0/secrets/scopes/create", b'{"scope": "a/../b"}', 400, "INVALID_PARAMETER_VALUE", "scope"),
    (
        "POST",
        "/api/2.0/secrets/put",
        b'{"scope": "s", "key": "../k", "string_value": "v"}',
        400,
        "INVALID_PARAMETER_VALUE",
        "key: secret key '../k' may contain only",
    ),
    (
        "POST",
        "/api/2.0/secrets/put",
        b'{"scope": "s", "key": "k", "string_value": 5}',
        400,
        "INVALID_PARAMETER_VALUE",
        "string_value",
    ),
    (
        "POST",
        "/api/2.0/secrets/acls/put",
        b'{"scope": "s", "principal": "u", "permission": "ADMIN"}',
        400,
        "INVALID_PARAMETER_VALUE",
        "permission: unknown value 'ADMIN'",
    ),
    ("GET", "/api/2.0/secrets/list", b"", 400, "INVALID_PARAMETER_VALUE", "scope: field is required"),
    ("GET", "/api/2.0/secrets/list?scope=..", b"", 400, "INVALID_PARAMETER_VALUE", "path traversal"),
    ("GET", f"{EP}/a..b", b"", 400, "INVALID_PARAMETER_VALUE", "name: endpoint name"),
    ("GET", f"{EP}/..%2F..%2Fetc", b"", 404, "ENDPOINT_NOT_FOUND", "No API found"),
    (
        "POST",
        EP,
        b'{"name": "x", "config": {"served_entities": [{"external_model": {"provider": "openai", "name": "m",'
        b' "task": "llm/v1/chat", "openai_config": {"openai_api_key_plaintext": "\\ud800"}}}]}}',
        400,
        "INVALID_PARAMETER_VALUE",
        "openai_api_key_plaintext: text is not valid Unicode",
    ),
    (
        "POST",
        "/api/2.0/secrets/put",
        b'{"scope": "s", "key": "k", "string_value": "\\udc00"}',
        400,
        "INVALID_PARAMETER_VALUE",
        "string_value: text is not valid Unicode",
    ),
    ("POST", EP, b"[" * 200_000 + b"]" * 200_000, 400, "MALFORMED_REQUEST", "Malformed"),
    ("PUT", f"{EP}/x/ai-gateway", b"[" * 100_000, 400, "MALFORMED_REQUEST", "Malformed"),
    ("PATCH", "/api/2.0/permissions/serving-endpoints/x", b'{"a":' * 100_000, 400, "MALFORMED_REQUEST", "Malformed"),
    ("POST", "/api/2.0/secrets/put", b"[" * 3000 + b"]" * 3000, 400, "MALFORMED_REQUEST", "Malformed"),
    ("DELETE", "/api/2.0/secrets/scopes/list", b"", 405, "BAD_REQUEST", "not allowed"),
    ("GET", "/api/2.0/no-such-api", b"", 404, "ENDPOINT_NOT_FOUND", "No API found"),
]


@pytest.fixture(scope="module")
def admin(inprocess_live_server):
    with inprocess_live_server.client() as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "fragment"), CASES, ids=[f"{c[0]} {c[1]} {c[2][:30]!r}" for c in CASES]
)
def test_bad_input_is_a_clear_4xx(admin, method, path, body, status, code, fragment):
    response = admin.request(method, path, content=body, headers={"Content-Type": "application/json"})
    got_status, got_code, message = error(response)
    assert (got_status, got_code) == (status, code), message
    assert fragment in message


def test_huge_bodies_are_refused_and_the_server_keeps_serving(admin, inprocess_live_server):
    huge = b'{"name": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    assert error(admin.post(EP, content=huge))[:2] == (413, "BAD_REQUEST")

    def chunks():
        for _ in range(40):
            yield b"y" * 100_000

    assert error(admin.post("/api/2.0/secrets/put", content=chunks()))[:2] == (413, "BAD_REQUEST")
    assert admin.get(EP).status_code == 200


def test_many_errors_are_all_reported(admin):
    body = create_body("multi", openai_entity(key={}), openai_entity("b", task="llm/v1/unknown"))
    body["tags"] = [{"value": "no key"}]
    message = error(admin.post(EP, json=body))[2]
    assert "config.served_entities[1].external_model.task: unknown value 'llm/v1/unknown'" in message
    assert "tags[0].key: field is required" in message


def test_curl_style_form_content_type_is_read_as_json(inprocess_live_server):
    response = httpx.post(
        f"{inprocess_live_server.url}/api/2.0/secrets/scopes/create",
        content=b'{"scope": "curl_scope"}',
        headers={**inprocess_live_server.headers(), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.json() == {}
