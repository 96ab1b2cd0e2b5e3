"""One table of API paths: the client's URLs, the planner's call descriptions, the server's routes and the data
plane's front door all read payloads/api_paths.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from pulumi_serving.client import ServingClient
from pulumi_serving.payloads import api_paths
from pulumi_serving.payloads.api_paths import OPERATIONS, Api
from pulumi_serving.plan.fields import RULES
from pulumi_serving.server import gateway
from pulumi_serving.server.app import create_app
from pulumi_serving.server.gateway.dispatch import match
from pulumi_serving.server.routes import endpoints, faults, meta, permissions, secrets
from pulumi_serving.server.settings import Settings

ODD_NAME = "a b/c"  # filled in as one percent-encoded segment
ODD_SEGMENT = "a%20b%2Fc"


def _filled(api: Api) -> str:
    return api.path.replace("{name}", ODD_SEGMENT).replace("{serving_endpoint_id}", ODD_SEGMENT)


def test_descriptions_render_the_table_as_the_plans_show_it() -> None:
    assert str(api_paths.PUT_CONFIG) == "PUT /api/2.0/serving-endpoints/{name}/config"
    assert str(api_paths.SET_PERMISSIONS) == "PUT /api/2.0/permissions/serving-endpoints/{id}"
    assert str(api_paths.LIST_SECRETS) == "GET /api/2.0/secrets/list"


def test_every_operation_is_listed_once() -> None:
    assert len(set(OPERATIONS)) == len(OPERATIONS)
    assert api_paths.PUT_CONFIG in OPERATIONS and api_paths.OPENAI_ALIASES["chat/completions"] in OPERATIONS


def test_the_servers_routes_are_the_table(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, host="127.0.0.1", port=0, admin_token="adm"))
    documented = {(method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item}
    assert documented == {(api.method, api.path) for api in OPERATIONS}
    routers = (meta.router, endpoints.router, permissions.router, secrets.router, faults.router, gateway.router)
    routes = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]
    assert {(m, r.path) for r in routes if r.include_in_schema for m in r.methods} == documented
    slashed = {(m, r.path) for r in routes if not r.include_in_schema for m in r.methods}
    assert slashed == {(api.method, api.path + "/") for api in (api_paths.CREATE_ENDPOINT, api_paths.LIST_ENDPOINTS)}


def test_the_planners_calls_are_in_the_table() -> None:
    planned = {rule.call for rule in RULES if rule.call} | {rule.unset_call for rule in RULES if rule.unset_call}
    assert planned and planned <= set(OPERATIONS)


class _Recorder:
    """Stands in for the HTTP transport: records what each client method sends."""

    credentials = type("Credentials", (), {"host": "https://ws"})()

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def request(self, method: str, path: str, **_: Any) -> dict[str, Any]:
        self.sent.append((method, path))
        return {}

    def close(self) -> None:
        pass


CLIENT_CALLS = [
    (lambda c: c.create_endpoint({}), api_paths.CREATE_ENDPOINT),
    (lambda c: c.get_endpoint(ODD_NAME), api_paths.GET_ENDPOINT),
    (lambda c: c.list_endpoints(), api_paths.LIST_ENDPOINTS),
    (lambda c: c.delete_endpoint(ODD_NAME), api_paths.DELETE_ENDPOINT),
    (lambda c: c.update_config(ODD_NAME, {}), api_paths.PUT_CONFIG),
    (lambda c: c.put_ai_gateway(ODD_NAME, {}), api_paths.PUT_AI_GATEWAY),
    (lambda c: c.patch_tags(ODD_NAME, [], []), api_paths.PATCH_TAGS),
    (lambda c: c.patch_notifications(ODD_NAME, {}), api_paths.PATCH_NOTIFICATIONS),
    (lambda c: c.patch_telemetry(ODD_NAME, {}), api_paths.PATCH_TELEMETRY),
    (lambda c: c.get_permissions(ODD_NAME), api_paths.GET_PERMISSIONS),
    (lambda c: c.set_permissions(ODD_NAME, {}), api_paths.SET_PERMISSIONS),
    (lambda c: c.create_scope("s"), api_paths.CREATE_SCOPE),
    (lambda c: c.delete_scope("s"), api_paths.DELETE_SCOPE),
    (lambda c: c.list_scopes(), api_paths.LIST_SCOPES),
    (lambda c: c.put_secret("s", "k", string_value="v"), api_paths.PUT_SECRET),
    (lambda c: c.delete_secret("s", "k"), api_paths.DELETE_SECRET),
    (lambda c: c.list_secrets("s"), api_paths.LIST_SECRETS),
    (lambda c: c.put_acl("s", "p", "READ"), api_paths.PUT_ACL),
    (lambda c: c.delete_acl("s", "p"), api_paths.DELETE_ACL),
    (lambda c: c.list_acls("s"), api_paths.LIST_ACLS),
    (lambda c: c.get_acl("s", "p"), api_paths.GET_ACL),
    (lambda c: c.current_user(), api_paths.CURRENT_USER),
]


@pytest.mark.parametrize(("send", "api"), CLIENT_CALLS, ids=[str(api) for _, api in CLIENT_CALLS])
def test_the_client_builds_its_urls_from_the_table(send: Any, api: Api) -> None:
    recorder = _Recorder()
    send(ServingClient(recorder))  # type: ignore[arg-type]
    assert recorder.sent == [(api.method, _filled(api))]


def test_the_clients_invocation_url_is_the_tables() -> None:
    client = ServingClient(_Recorder())  # type: ignore[arg-type]
    assert client.invocation_url(ODD_NAME) == "https://ws" + _filled(api_paths.INVOCATIONS)


def test_match_reads_each_parameter_as_one_non_empty_segment() -> None:
    assert api_paths.SERVED_MODEL_INVOCATIONS.match("/serving-endpoints/ep/served-models/gpt/invocations") == (
        "ep",
        "gpt",
    )
    assert api_paths.INVOCATIONS.match("/serving-endpoints//invocations") is None
    assert api_paths.INVOCATIONS.match("/serving-endpoints/ep/invocations/") is None
    assert api_paths.INVOCATIONS.match("/serving-endpoints/chat/completions") is None


@pytest.mark.parametrize(
    ("path", "routed"),
    [
        ("/serving-endpoints/ep/invocations", True),
        ("/serving-endpoints/ep/served-models/gpt/invocations", True),
        *((api.path, True) for api in api_paths.OPENAI_ALIASES.values()),
        ("/serving-endpoints/ep/invocation", False),
        ("/serving-endpoints/ep/served-models//invocations", False),
        ("/api/2.0/serving-endpoints/ep/invocations", False),
        ("/serving-endpoints/completions/extra", False),
    ],
)
def test_the_front_door_matches_the_tables_invocation_paths(path: str, routed: bool) -> None:
    assert (match(path) is not None) is routed


def test_the_server_builds_its_document_and_body_validators_without_pydantics_false_alias_warning(
    tmp_path: Path,
) -> None:
    import asyncio
    import warnings

    import httpx

    async def create_a_scope(app: object) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://local") as client:
            return await client.post(
                api_paths.CREATE_SCOPE.path, json={"scope": "alias-check"}, headers={"Authorization": "Bearer adm"}
            )

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = create_app(Settings(data_dir=tmp_path, host="127.0.0.1", port=0, admin_token="adm"))
        document = app.openapi()
        created = asyncio.run(create_a_scope(app))
    assert created.status_code == 200 and [str(w.message) for w in caught] == []
    put_secret = document["paths"][api_paths.PUT_SECRET.path]["post"]["requestBody"]["content"]["application/json"]
    assert put_secret["schema"]["$ref"].endswith("/PutSecret")
