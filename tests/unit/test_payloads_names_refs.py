"""Name rules and secret-reference parsing."""

import pytest

from pulumi_serving.payloads.names import (
    default_served_entity_name,
    endpoint_name_problem,
    scope_name_problem,
    secret_key_problem,
)
from pulumi_serving.payloads.secret_ref_syntax import SecretRef, format_secret_ref, parse_secret_ref


@pytest.mark.parametrize("name", ["a", "openai-completions_1", "x" * 63])
def test_valid_endpoint_names(name):
    assert endpoint_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "empty"),
        ("x" * 64, "at most 63"),
        ("../etc", "may contain only"),
        ("a b", "may contain only"),
        ("a.b", "may contain only"),
        (5, "string"),
    ],
)
def test_invalid_endpoint_names(name, reason):
    assert reason in endpoint_name_problem(name)


def test_scope_and_key_rules():
    assert scope_name_problem("my_openai_secret_scope") is None
    assert scope_name_problem("team@corp.example") is None
    assert "path traversal" in scope_name_problem("..")
    assert "may contain only" in scope_name_problem("a/b")
    assert secret_key_problem("openai.api-key_1") is None
    assert "may contain only" in secret_key_problem("k@x")
    assert "at most 128" in secret_key_problem("k" * 129)


def test_default_served_entity_name():
    assert default_served_entity_name(external_model_name="gpt-3.5-turbo:latest") == "gpt-3-5-turbo-latest"
    assert default_served_entity_name(entity_name="cat.sch.model", entity_version="3") == "cat-sch-model-3"


def test_secret_ref_round_trip():
    ref = parse_secret_ref("{{secrets/my_scope/my.key}}")
    assert ref == SecretRef("my_scope", "my.key")
    assert str(ref) == format_secret_ref("my_scope", "my.key") == "{{secrets/my_scope/my.key}}"


@pytest.mark.parametrize(
    "value",
    ["sk-123", "{{secrets/scope}}", "{{secrets/a/b/c}}", "{secrets/a/b}", "{{secrets/../b}}", "{{ secret/a/b }}"],
)
def test_malformed_secret_refs(value):
    with pytest.raises(ValueError, match="secret reference"):
        parse_secret_ref(value)
