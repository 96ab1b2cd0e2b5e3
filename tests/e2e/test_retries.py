"""Behaviour 6 (retries) through the real Pulumi CLI: faults injected on the live server before `up`
(429 with Retry-After, 503, 502, 409 update in progress) are retried with visible progress and `up` converges."""

from __future__ import annotations

import pytest

from pulumi_serving.server.faults import FAULTS_PATH
from tests.support.inventory import endpoints_on, scopes_on
from tests.support.payloads import create_body, entity
from tests.support.stack_program import declare

pytestmark = pytest.mark.e2e

SECRET_VALUE = "sk-e2e-retry-7d3a91"
REF = "{{secrets/retry_keys/openai}}"
FAULTS = [
    {"status": 429, "count": 1, "retry_after": 1, "method": "POST", "path_prefix": "/api/2.0/secrets/put"},
    {"status": 503, "count": 1, "retry_after": 0, "method": "POST", "path_prefix": "/api/2.0/serving-endpoints"},
    {"status": 502, "count": 1, "method": "GET", "path_prefix": "/api/2.0/serving-endpoints/retried"},
    {"status": 409, "count": 2, "method": "PUT", "path_prefix": "/api/2.0/serving-endpoints/retried/ai-gateway"},
]


def test_up_converges_through_injected_faults(program_stack, inprocess_live_server):
    stack = program_stack(inprocess_live_server, {"serving:openai_value": SECRET_VALUE})
    declare(
        stack,
        scopes=[{"scope": "retry_keys", "secrets": [{"key": "openai", "value_from": "openai_value"}]}],
        endpoints=[
            create_body(
                "retried",
                entity("main", "openai", "gpt-3.5-turbo-instruct", "llm/v1/completions", openai_api_key=REF),
                rate_limits=[{"calls": 20, "key": "user", "renewal_period": "minute"}],
            )
        ],
    )
    with inprocess_live_server.client() as admin:
        for fault in FAULTS:
            admin.post(FAULTS_PATH, json=fault).raise_for_status()

    up = stack.up()

    retries = [line for line in up.output.splitlines() if "retrying in" in line]
    for expected in (
        "429 REQUEST_LIMIT_EXCEEDED",
        "503 TEMPORARILY_UNAVAILABLE",
        "502 BAD_GATEWAY",
        "409 RESOURCE_CONFLICT",
    ):
        assert any(expected in line for line in retries), f"no retry line for {expected}:\n{up.output}"
    # each a diagnostic of the resource whose call was retried, not a raw line of the provider's stderr
    assert not [line for line in retries if line.startswith("pulumi-serving:")], up.output
    with inprocess_live_server.client() as admin:
        assert admin.get(FAULTS_PATH).json() == {"faults": []}
    live = endpoints_on(inprocess_live_server)["retried"]
    assert live["state"]["config_update"] == "NOT_UPDATING"
    assert live["ai_gateway"]["rate_limits"] == [{"calls": 20, "key": "user", "renewal_period": "minute"}]
    assert SECRET_VALUE not in up.output and inprocess_live_server.admin_token not in up.output
    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert endpoints_on(inprocess_live_server) == {} and scopes_on(inprocess_live_server) == []
