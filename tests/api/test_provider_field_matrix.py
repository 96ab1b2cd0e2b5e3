"""The planner's field matrix with the dynamic providers called in process as the Pulumi engine calls them, against
the real local serving API over HTTP: each managed field of a stack-file endpoint changed on its own previews as a
change of its resource alone, is sent by exactly the calls the planner announced, shows in a GET, and the next
preview and a refresh find no change. Permissions are enforced by the gateway: CAN_QUERY lets a group member query,
CAN_VIEW answers 403. The changes reviewers read and the replacement also run through the real Pulumi CLI
(tests/e2e/test_field_matrix.py)."""

from __future__ import annotations

import copy
import json
import time
from collections import Counter

from pulumi_serving.client.http import CallCounter
from pulumi_serving.fake_upstream.process import running_fake_upstream
from pulumi_serving.resources import (
    EndpointPermissionsProvider,
    RateLimitsProvider,
    ServingEndpointProvider,
)
from pulumi_serving.resources.provider_base import ServingProvider
from tests.support.field_matrix import ENDPOINT, KEY, MATRIX, announced, grants, query, take_writes
from tests.support.inprocess import InProcessServer
from tests.support.provider_engine import Managed
from tests.support.providers import configured

OWNER = "matrix-project/test/ServingEndpoint/matrix"
#: the resource each field of the stack-file endpoint belongs to (the stack program's split)
RESOURCE_OF = {"rate_limits": "rate_limits", "permissions": "permissions"}


def _inputs(declared: dict, endpoint_id: str) -> dict[str, dict]:
    """The inputs the stack program gives each resource of the stack-file endpoint ``declared``."""
    name = declared["name"]
    return {
        "endpoint": {
            "endpoint_name": name,
            "config": declared["config"],
            "tags": declared["tags"],
            "description": declared["description"],
            "email_notifications": declared["email_notifications"],
            "ai_gateway": declared["ai_gateway"],
            "owner": OWNER,
        },
        "rate_limits": {"endpoint": name, "endpoint_id": endpoint_id, "rate_limits": declared["rate_limits"]},
        "permissions": {"endpoint": name, "endpoint_id": endpoint_id, "access_control_list": declared["permissions"]},
    }


def _up(resources: dict[str, Managed], declared: dict, server: InProcessServer) -> dict[str, str]:
    """``pulumi up`` of the three resources in dependency order (the settings wait for the endpoint to be ready)."""
    steps = {"endpoint": resources["endpoint"].up(_inputs(declared, "")["endpoint"])}
    _wait_until_ready(server)
    inputs = _inputs(declared, resources["endpoint"].outs["endpoint_id"])
    steps |= {name: resources[name].up(inputs[name]) for name in ("rate_limits", "permissions")}
    return steps


def _preview(resources: dict[str, Managed], declared: dict) -> dict[str, str]:
    inputs = _inputs(declared, resources["endpoint"].outs["endpoint_id"])
    return {name: managed.step(inputs[name]) for name, managed in resources.items()}


def _wait_until_ready(server: InProcessServer) -> None:
    deadline = time.monotonic() + 10
    with server.client() as api:
        while api.get("/api/2.0/serving-endpoints/matrix").json()["state"]["config_update"] != "NOT_UPDATING":
            assert time.monotonic() < deadline, "the endpoint's update did not finish"
            time.sleep(0.05)


def test_each_field_previews_alone_and_is_sent_by_its_planned_call(
    inprocess_server_factory, tmp_path, monkeypatch, capsys
) -> None:
    with running_fake_upstream() as fake:
        server = inprocess_server_factory(update_delay=0.2, upstreams=(f"openai={fake.url}",))
        app_user = server.mint_token("ann", groups=["apps"])
        log = tmp_path / "calls.log"
        monkeypatch.setattr(ServingProvider, "counter", CallCounter(str(log)))
        with server.client() as api:
            api.post("/api/2.0/secrets/scopes/create", json={"scope": "matrix_keys"}).raise_for_status()
            put = {"scope": "matrix_keys", "key": "openai", "string_value": KEY}
            api.post("/api/2.0/secrets/put", json=put).raise_for_status()
        resources = {
            "endpoint": Managed(configured(ServingEndpointProvider, server)),
            "rate_limits": Managed(configured(RateLimitsProvider, server)),
            "permissions": Managed(configured(EndpointPermissionsProvider, server)),
        }
        declared = copy.deepcopy(ENDPOINT)
        assert set(_up(resources, declared, server).values()) == {"create"}
        assert set(_preview(resources, declared).values()) == {"same"}
        live, granted = grants(server)
        assert live["description"] == "first" and {"group_name": "apps", "permission_level": "CAN_QUERY"} in granted
        assert query(server, app_user) == 200  # a member of apps may query

        for field, change, expected, shows in MATRIX:
            change(declared)
            owner = RESOURCE_OF.get(field, "endpoint")
            capsys.readouterr()
            planned = _preview(resources, declared)
            shown = capsys.readouterr().err
            assert planned[owner] == ("update" if expected else "replace"), (field, planned)
            assert {n: s for n, s in planned.items() if n != owner} == {n: "same" for n in planned if n != owner}, (
                field,
                planned,
            )
            if field == "tags":  # the plan reviewers read names the tag by its key
                assert "~ tags[team].value -> PATCH /api/2.0/serving-endpoints/{name}/tags" in shown, shown

            take_writes(log)  # only the up's own calls count
            steps = _up(resources, declared, server)
            writes, output = take_writes(log), capsys.readouterr().err
            live, granted = grants(server)
            if expected is not None:
                assert writes == [w.replace("{id}", live["id"]) for w in expected], (field, writes, output)
                assert Counter(writes) == Counter(announced(output, live["id"])), (field, output)
            else:  # a replacement: the old endpoint is deleted first, and its settings follow the new one
                assert steps == {"endpoint": "replace", "rate_limits": "update", "permissions": "update"}, steps
                assert "DELETE /api/2.0/serving-endpoints/matrix" in writes, writes
                assert "POST /api/2.0/serving-endpoints" in writes, writes
            assert shows(live, granted), (field, live, granted)
            assert set(_preview(resources, declared).values()) == {"same"}, field
            for managed in resources.values():
                managed.refresh()
            assert set(_preview(resources, declared).values()) == {"same"}, (field, "after a refresh")

        assert query(server, app_user) == 403  # CAN_VIEW may not query
        state = json.dumps([(m.inputs, m.outs) for m in resources.values()])
        assert KEY not in state and KEY not in output
