"""A ServingEndpoint's inputs parsed once per process: the config validated once, its view normalized once."""

from __future__ import annotations

import copy

import pytest

from pulumi_serving.payloads import EndpointCoreConfigInput
from pulumi_serving.plan import ParsedEndpoint, comparable_endpoint
from tests.support.payloads import openai_entity

REF = "{{secrets/keys/openai}}"


def _props(config: object) -> dict:
    return {"endpoint_name": "ep", "config": config, "tags": {"team": "ml"}}


def test_the_config_is_validated_once_and_its_view_normalized_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    validate, declared = EndpointCoreConfigInput.model_validate, comparable_endpoint.declared
    monkeypatch.setattr(EndpointCoreConfigInput, "model_validate", lambda v: seen.append("parse") or validate(v))
    monkeypatch.setattr(comparable_endpoint, "declared", lambda p: seen.append("normalize") or declared(p))
    parsed = ParsedEndpoint(_props({"served_entities": [openai_entity("main", {"openai_api_key": REF})]}))
    assert seen == []  # nothing is derived until asked for
    for _ in range(2):
        assert parsed.config is not None and parsed.config_problems == []
        assert [str(ref) for _, ref in parsed.references] == [REF]
        assert parsed.view["tags"] == [{"key": "team", "value": "ml"}] and parsed.write_only == {}
    assert seen == ["parse", "normalize"]


def test_an_invalid_config_has_problems_naming_the_field_and_no_references() -> None:
    parsed = ParsedEndpoint(_props({"served_entities": "main"}))
    assert parsed.config is None and parsed.references == []
    assert [p.path for p in parsed.config_problems] == ["config.served_entities"]


def test_config_name_is_left_to_its_own_rejection_and_plaintext_is_write_only() -> None:
    entity = openai_entity("main", {"openai_api_key_plaintext": "sk-1"})
    parsed = ParsedEndpoint(_props({"name": "ignored", "served_entities": [entity]}))
    assert parsed.config is not None and parsed.config.name is None
    assert parsed.write_only == {"served_entities[main].external_model.openai_config.openai_api_key_plaintext": "sk-1"}
    assert "sk-1" not in repr(parsed.view)


def test_equal_inputs_share_one_value_per_process_and_a_callers_later_change_does_not_reach_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []
    validate = EndpointCoreConfigInput.model_validate
    monkeypatch.setattr(EndpointCoreConfigInput, "model_validate", lambda v: seen.append("parse") or validate(v))
    monkeypatch.setattr(ParsedEndpoint, "_recent", {})
    checked = _props({"served_entities": [openai_entity("main", {"openai_api_key": REF})]})
    at_check = ParsedEndpoint.of(checked)
    assert at_check.config is not None
    at_create = ParsedEndpoint.of(copy.deepcopy(checked))  # the engine sends the checked inputs again
    assert at_create is at_check and at_create.config is not None and seen == ["parse"]
    checked["config"]["served_entities"][0]["name"] = "changed"
    assert at_check.props["config"]["served_entities"][0]["name"] == "main"
    assert ParsedEndpoint.of(checked) is not at_check


def test_the_shared_values_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ParsedEndpoint, "_recent", {})
    first = ParsedEndpoint.of(_props({"served_entities": []}) | {"endpoint_name": "ep-0"})
    for n in range(1, ParsedEndpoint.RECENT_MAX + 1):
        ParsedEndpoint.of(_props({"served_entities": []}) | {"endpoint_name": f"ep-{n}"})
    assert len(ParsedEndpoint._recent) == ParsedEndpoint.RECENT_MAX
    assert ParsedEndpoint.of(_props({"served_entities": []}) | {"endpoint_name": "ep-0"}) is not first


def test_a_plaintext_value_never_shows_in_its_repr() -> None:
    parsed = ParsedEndpoint.of(_props({"served_entities": [openai_entity("m", {"openai_api_key_plaintext": "sk-9"})]}))
    assert "sk-9" not in repr(parsed)
