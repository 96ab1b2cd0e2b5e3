"""The planner's field matrix: one stack-file endpoint, each managed field changed on its own, the write calls the
change takes and what a GET of the endpoint shows afterwards. Driven through the dynamic providers in process
(tests/api/test_provider_field_matrix.py) and, for the changes reviewers read and the replacement, through the real
Pulumi CLI (tests/e2e/test_field_matrix.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from pulumi_serving.client.tls import context_for

from .inprocess import InProcessServer
from .inventory import endpoints_on
from .payloads import create_body, openai_entity

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
Shows = Callable[[dict, list[dict]], bool]


def set_field(path: str, value: Any) -> Callable[[dict], None]:
    """A change of the stack-file endpoint: ``value`` at the dotted ``path`` (list items by index)."""

    def change(endpoint: dict) -> None:
        node, *keys = endpoint, *path.split(".")
        for key in keys[:-1]:
            node = node[int(key)] if isinstance(node, list) else node[key]
        last = keys[-1]
        node[int(last) if isinstance(node, list) else last] = value

    return change


# (what changes, the change, the write calls it takes (None: a replacement), what a GET shows afterwards)
MATRIX: list[tuple[str, Callable[[dict], None], list[str] | None, Shows]] = [
    (
        "tags",
        set_field("tags.0.value", "platform"),
        ["PATCH /api/2.0/serving-endpoints/matrix/tags"],
        lambda ep, perms: ep["tags"] == [{"key": "team", "value": "platform"}],
    ),
    (
        "email_notifications",
        set_field("email_notifications", {"on_update_success": ["dev@example.com"]}),
        ["PATCH /api/2.0/serving-endpoints/matrix/notifications"],
        lambda ep, perms: ep["email_notifications"] == {"on_update_success": ["dev@example.com"]},
    ),
    (
        "ai_gateway",
        set_field("ai_gateway", {"guardrails": {"input": {"invalid_keywords": ["forbidden"]}}}),
        ["PUT /api/2.0/serving-endpoints/matrix/ai-gateway"],
        lambda ep, perms: (
            ep["ai_gateway"]["guardrails"]["input"]["invalid_keywords"] == ["forbidden"]
            and ep["ai_gateway"]["rate_limits"][0]["calls"] == 20
        ),
    ),
    (
        "config",
        set_field("config.served_entities.0.external_model.name", "gpt-4"),
        ["PUT /api/2.0/serving-endpoints/matrix/config"],
        lambda ep, perms: ep["config"]["served_entities"][0]["external_model"]["name"] == "gpt-4",
    ),
    (
        "rate_limits",
        set_field("rate_limits.0.calls", 30),
        ["PUT /api/2.0/serving-endpoints/matrix/ai-gateway"],
        lambda ep, perms: ep["ai_gateway"]["rate_limits"][0]["calls"] == 30 and "guardrails" in ep["ai_gateway"],
    ),
    (
        "permissions",
        set_field("permissions.0.permission_level", "CAN_VIEW"),
        ["PUT /api/2.0/permissions/serving-endpoints/{id}"],
        lambda ep, perms: {"group_name": "apps", "permission_level": "CAN_VIEW"} in perms,
    ),
    (
        "description",
        set_field("description", "second"),
        None,  # no update call: a replace (delete, then create)
        lambda ep, perms: (
            ep["description"] == "second"
            and ep["ai_gateway"]["rate_limits"][0]["calls"] == 30
            and {"group_name": "apps", "permission_level": "CAN_VIEW"} in perms
        ),
    ),
]


def take_writes(log: Path) -> list[str]:
    """The write calls the call log holds (``METHOD path`` lines), emptying it."""
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return [line for line in lines if not line.startswith("GET ")]


def announced(output: str, endpoint_id: str) -> list[str]:
    """The write calls the provider said it executes (the planner's calls), with the endpoint's name and id."""
    return [
        f"{method} {path.replace('{name}', 'matrix').replace('{id}', endpoint_id)}"
        for method, path in EXECUTED.findall(output)
        if method != "GET"
    ]


def grants(server: InProcessServer) -> tuple[dict, list[dict]]:
    """The endpoint's body and its direct (not inherited) grants."""
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


def query(server: InProcessServer, token: str) -> int:
    """The status of a completion asked of the endpoint with ``token``."""
    with httpx.Client(base_url=server.url, timeout=10, verify=context_for(server.url)) as client:
        return client.post(
            "/serving-endpoints/matrix/invocations",
            headers={"Authorization": f"Bearer {token}"},
            json={"prompt": "hello", "max_tokens": 5},
        ).status_code
