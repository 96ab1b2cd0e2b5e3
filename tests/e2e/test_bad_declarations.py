"""Behaviour 8 through the real Pulumi CLI: bad declarations fail at preview naming the property and reason."""

from __future__ import annotations

import pytest

from tests.support.inventory import endpoints_on
from tests.support.payloads import create_body, entity
from tests.support.stack_program import declare

pytestmark = pytest.mark.e2e

GOOD_SCOPES = [
    {
        "scope": "keys",
        "secrets": [{"key": "openai", "value_from": "openai_value"}, {"key": "plain", "value_from": "plain"}],
    }
]


def _openai(settings: dict, name: str = "ep", provider: str = "openai", task: str = "llm/v1/completions") -> dict:
    """An endpoint whose entity always has an ``openai_config`` block, even when ``provider`` names another."""
    model = {"name": "gpt", "provider": provider, "task": task, "openai_config": settings}
    return create_body(name, {"name": "main", "external_model": model})


CASES = {
    "key and plaintext key both set": (
        [_openai({"openai_api_key": "{{secrets/keys/openai}}", "openai_api_key_plaintext": {"secret": "plain"}})],
        "config.serving:endpoints[0].config.served_entities[0].external_model.openai_config",
        "mutually exclusive",
    ),
    "malformed secret reference": (
        [_openai({"openai_api_key": "{{secrets/keys}}"})],
        "config.serving:endpoints[0].config.served_entities[0].external_model.openai_config",
        "secret reference",
    ),
    "reference neither declared nor on the server": (
        [_openai({"openai_api_key": "{{secrets/nowhere/openai}}"})],
        "config.served_entities[0].external_model.openai_config.openai_api_key",
        "neither declared",
    ),
    "unknown provider": (
        [_openai({"openai_api_key": "{{secrets/keys/openai}}"}, provider="opneai")],
        "config.serving:endpoints[0].config.served_entities[0].external_model.provider",
        "unknown value",
    ),
    "unknown task": (
        [_openai({"openai_api_key": "{{secrets/keys/openai}}"}, task="llm/v1/poetry")],
        "config.serving:endpoints[0].config.served_entities[0].external_model.task",
        "unknown value",
    ),
    "traffic not summing to 100": (
        [
            {
                "name": "ep",
                "config": {
                    "served_entities": [
                        entity("a", "openai", "gpt", "llm/v1/completions", openai_api_key="{{secrets/keys/openai}}"),
                        entity("b", "openai", "gpt", "llm/v1/completions", openai_api_key="{{secrets/keys/openai}}"),
                    ],
                    "traffic_config": {
                        "routes": [
                            {"served_entity_name": "a", "traffic_percentage": 50},
                            {"served_entity_name": "b", "traffic_percentage": 40},
                        ]
                    },
                },
            }
        ],
        "config.serving:endpoints[0].config",
        "100",
    ),
    "invalid endpoint name": (
        [_openai({"openai_api_key": "{{secrets/keys/openai}}"}, name="bad name!")],
        "config.serving:endpoints[0].name",
        "may contain only",
    ),
}


def test_bad_declarations_fail_at_preview(program_stack, inprocess_live_server):
    stack = program_stack(
        inprocess_live_server, {"serving:openai_value": "sk-bad-decl-1", "serving:plain": "sk-bad-decl-2"}
    )
    declare(stack, scopes=GOOD_SCOPES)
    for case, (endpoints, path, reason) in CASES.items():
        declare(stack, endpoints=endpoints)
        result = stack.preview(check=False)
        assert result.returncode != 0, case
        error_lines = [line for line in result.output.splitlines() if path in line and reason in line]
        assert error_lines, f"{case}: expected {path!r} and {reason!r} in:\n{result.output}"
        assert "sk-bad-decl" not in result.output

    # A typoed key would declare no endpoint at all (and `up` would delete every deployed one): refused.
    declare(stack, endpoints=[])
    stack.set_config({"serving:endpoint": '[{"name": "ep"}]'})
    result = stack.preview(check=False)
    assert result.returncode != 0
    assert "config.serving:endpoint: unknown key (did you mean serving:endpoints?)" in result.output, result.output
    assert endpoints_on(inprocess_live_server) == {}
