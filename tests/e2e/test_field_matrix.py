"""The planner's field matrix through the real Pulumi CLI: each managed field of a stack-file endpoint is changed
on its own; the provider's call log holds exactly the calls the planner announced, a GET shows the new value,
and the next preview has no changes. Permissions are enforced by the gateway: CAN_QUERY lets a group member
query, CAN_VIEW answers 403."""

from __future__ import annotations

import copy
import re
from collections import Counter
from pathlib import Path

import httpx
import pytest

from pulumi_serving.fake_upstream.process import running_fake_upstream
from tests.support.inventory import endpoints_on
from tests.support.payloads import create_body, openai_entity
from tests.support.stack_program import declare

pytestmark = pytest.mark.e2e

KEY = "sk-matrix-4f1e"
SCOPES = [{"scope": "matrix_keys", "secrets": [{"key": "openai", "value_from": "openai_key"}]}]
ENDPOINT = create_body(
    "matrix",
    openai_entity("main", {"openai_api_key": "{{secrets/matrix_keys/openai}}"}),
    description="first",
    tags=[{"key": "team", "value": "ml"}],
    email_notifications={"on_update_failure": ["ops@example.com"]},
    ai_gateway={"usage_tracking_config": {"enabled": True}},
    rate_limits=[{"calls": 20, "key": "user", "renewal_period": "minute"}],
    permissions=[{"group_name": "apps", "permission_level": "CAN_QUERY"}],
)
#: a call the provider announces as it executes it: a diagnostic of its resource (``pulumi-serving:`` on stderr when
#: no engine listens)
EXECUTED = re.compile(
    r"(?:^|\s)(?:pulumi-serving: )?\w+ matrix: (?!~ |\+- |! )(?:.* )?-> (GET|PUT|POST|PATCH|DELETE) (\S+)", re.MULTILINE
)


def _set(path: str, value):
    def change(endpoint: dict) -> None:
        node, *keys = endpoint, *path.split(".")
        for key in keys[:-1]:
            node = node[int(key)] if isinstance(node, list) else node[key]
        last = keys[-1]
        node[int(last) if isinstance(node, list) else last] = value

    return change


# (what changes, the change, the write calls it takes, what a GET of the endpoint shows afterwards)
MATRIX = [
    (
        "tags",
        _set("tags.0.value", "platform"),
        ["PATCH /api/2.0/serving-endpoints/matrix/tags"],
        lambda ep, perms: ep["tags"] == [{"key": "team", "value": "platform"}],
    ),
    (
        "email_notifications",
        _set("email_notifications", {"on_update_success": ["dev@example.com"]}),
        ["PATCH /api/2.0/serving-endpoints/matrix/notifications"],
        lambda ep, perms: ep["email_notifications"] == {"on_update_success": ["dev@example.com"]},
    ),
    (
        "ai_gateway",
        _set("ai_gateway", {"guardrails": {"input": {"invalid_keywords": ["forbidden"]}}}),
        ["PUT /api/2.0/serving-endpoints/matrix/ai-gateway"],
        lambda ep, perms: (
            ep["ai_gateway"]["guardrails"]["input"]["invalid_keywords"] == ["forbidden"]
            and ep["ai_gateway"]["rate_limits"][0]["calls"] == 20
        ),
    ),
    (
        "config",
        _set("config.served_entities.0.external_model.name", "gpt-4"),
        ["PUT /api/2.0/serving-endpoints/matrix/config"],
        lambda ep, perms: ep["config"]["served_entities"][0]["external_model"]["name"] == "gpt-4",
    ),
    (
        "rate_limits",
        _set("rate_limits.0.calls", 30),
        ["PUT /api/2.0/serving-endpoints/matrix/ai-gateway"],
        lambda ep, perms: ep["ai_gateway"]["rate_limits"][0]["calls"] == 30 and "guardrails" in ep["ai_gateway"],
    ),
    (
        "permissions",
        _set("permissions.0.permission_level", "CAN_VIEW"),
        ["PUT /api/2.0/permissions/serving-endpoints/{id}"],
        lambda ep, perms: {"group_name": "apps", "permission_level": "CAN_VIEW"} in perms,
    ),
    (
        "description",
        _set("description", "second"),
        None,  # no update call: a replace (delete, then create)
        lambda ep, perms: (
            ep["description"] == "second"
            and ep["ai_gateway"]["rate_limits"][0]["calls"] == 30
            and {"group_name": "apps", "permission_level": "CAN_VIEW"} in perms
        ),
    ),
]


def _writes(log: Path) -> list[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return [line for line in lines if not line.startswith("GET ")]


def _announced(output: str, endpoint_id: str) -> list[str]:
    """The write calls the provider said it executes (the planner's calls), with the endpoint's name and id."""
    return [
        f"{method} {path.replace('{name}', 'matrix').replace('{id}', endpoint_id)}"
        for method, path in EXECUTED.findall(output)
        if method != "GET"
    ]


def _grants(server) -> tuple[dict, list[dict]]:
    endpoint = endpoints_on(server)["matrix"]
    with server.client() as api:
        acl = api.get(f"/api/2.0/permissions/serving-endpoints/{endpoint['id']}").json()["access_control_list"]
    direct = [
        {k: v for k, v in e.items() if k in ("user_name", "group_name", "service_principal_name")}
        | {"permission_level": p["permission_level"]}
        for e in acl
        for p in e["all_permissions"]
        if not p.get("inherited")
    ]
    return endpoint, direct


def _query(server, token: str) -> int:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        return client.post(
            "/serving-endpoints/matrix/invocations",
            headers={"Authorization": f"Bearer {token}"},
            json={"prompt": "hello", "max_tokens": 5},
        ).status_code


def test_each_field_is_sent_by_its_planned_call(program_stack, inprocess_server_factory, tmp_path):
    with running_fake_upstream() as fake:
        server = inprocess_server_factory(update_delay=0.2, upstreams=(f"openai={fake.url}",))
        app_user = server.mint_token("ann", groups=["apps"])
        log = tmp_path / "calls.log"
        stack = program_stack(server, {"serving:openai_key": KEY}, env={"PULUMI_SERVING_CALL_LOG": str(log)})
        endpoint = copy.deepcopy(ENDPOINT)
        declare(stack, scopes=SCOPES, endpoints=[endpoint])
        stack.up()
        stack.preview(expect_no_changes=True)
        stack.refresh(expect_no_changes=True)
        live, grants = _grants(server)
        assert live["description"] == "first" and {"group_name": "apps", "permission_level": "CAN_QUERY"} in grants
        assert _query(server, app_user) == 200  # a member of apps may query

        for field, change, expected, shows in MATRIX:
            change(endpoint)
            declare(stack, endpoints=[endpoint])
            if field == "tags":  # the plan reviewers read: no internal inputs, no cosmetic removals
                preview = stack.preview().output
                assert "~ tags[team].value -> PATCH /api/2.0/serving-endpoints/{name}/tags" in preview, preview
                assert not re.search(r"dynamic/serving:(RateLimits|EndpointPermissions)", preview), preview
                shown = preview.split("dynamic/serving:ServingEndpoint: (update)")[1].split("dynamic/serving:")[0]
                for clutter in ("wait", "adopt", "ai_gateway", "pending", "route_optimized"):
                    assert clutter not in shown, (clutter, shown)
            _writes(log)  # only the up's own calls count
            up = stack.up()
            writes = _writes(log)
            live, grants = _grants(server)
            if expected is not None:
                assert writes == [w.replace("{id}", live["id"]) for w in expected], (field, writes, up.output)
                assert Counter(writes) == Counter(_announced(up.output, live["id"])), (field, up.output)
            else:
                assert "replaced" in up.output and "delete-first" in up.output, up.output
                assert (
                    "DELETE /api/2.0/serving-endpoints/matrix" in writes and "POST /api/2.0/serving-endpoints" in writes
                ), writes
            assert shows(live, grants), (field, live, grants)
            stack.preview(expect_no_changes=True)

        assert _query(server, app_user) == 403  # CAN_VIEW may not query
        stack.refresh(expect_no_changes=True)

        # drift: a grant made behind Pulumi's back shows on refresh and up removes it
        with server.client() as api:
            api.patch(
                f"/api/2.0/permissions/serving-endpoints/{live['id']}",
                json={"access_control_list": [{"user_name": "mallory", "permission_level": "CAN_MANAGE"}]},
            ).raise_for_status()
        drift = stack.refresh("--diff")
        assert "mallory" in drift.output, drift.output
        stack.up()
        assert not any(g.get("user_name") == "mallory" for g in _grants(server)[1])
        stack.preview(expect_no_changes=True)
        assert KEY not in stack.export_text()
