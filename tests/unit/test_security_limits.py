"""Pure checks behind the server's hardening: name and tag bounds, egress rules, upstream excerpts, YAML depth."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from pulumi_serving.cli.main import main
from pulumi_serving.payloads import endpoints as endpoint_spec
from pulumi_serving.payloads import secrets as secret_spec
from pulumi_serving.payloads.names import PRINCIPAL_NAME_MAX, principal_name_problem
from pulumi_serving.payloads.tag_rules import MAX_TAGS_PER_ENDPOINT, TAG_VALUE_MAX
from pulumi_serving.server.egress import Egress, host_problem
from pulumi_serving.server.errors import InvalidParameterValue, PermissionDenied
from pulumi_serving.server.gateway.upstream.bases import call_urls, upstream_bases
from pulumi_serving.server.gateway.upstream.errors import EXCERPT_CHARS, from_status


@pytest.mark.parametrize(
    "name, reason",
    [
        ("", "must not be empty"),
        (" bob", "spaces"),
        ("bob\n", "spaces"),
        ("b\x00ob", "control characters"),
        ("x" * (PRINCIPAL_NAME_MAX + 1), f"at most {PRINCIPAL_NAME_MAX}"),
    ],
)
def test_principal_names_are_bounded(name, reason):
    assert reason in (principal_name_problem(name) or "")
    with pytest.raises(ValidationError, match=reason):
        secret_spec.PutAcl(scope="s", principal=name, permission="READ")
    with pytest.raises(ValidationError, match=f"{reason}|exactly one of"):
        endpoint_spec.PermissionsRequest.model_validate(
            {"access_control_list": [{"user_name": name, "permission_level": "CAN_QUERY"}]}
        )


def test_real_principal_names_pass():
    for name in ("alice@example.com", "data-science team", "6f1c2a8e-1b2c-4d5e-8f90-123456789abc", "users"):
        assert principal_name_problem(name) is None


def test_tags_are_bounded():
    base = {"name": "ep"}
    endpoint_spec.CreateServingEndpoint.model_validate(
        {**base, "tags": [{"key": f"k{i}", "value": "v"} for i in range(MAX_TAGS_PER_ENDPOINT)]}
    )
    with pytest.raises(ValidationError, match=f"at most {MAX_TAGS_PER_ENDPOINT} tags"):
        endpoint_spec.CreateServingEndpoint.model_validate(
            {**base, "tags": [{"key": f"k{i}"} for i in range(MAX_TAGS_PER_ENDPOINT + 1)]}
        )
    with pytest.raises(ValidationError, match="value"):
        endpoint_spec.EndpointTag(key="k", value="v" * (TAG_VALUE_MAX + 1))


def test_egress_rules():
    open_egress = Egress(())
    assert open_egress.allows("anything.example") and not open_egress.enabled
    egress = Egress(["api.openai.com"], ["cohere=http://127.0.0.1:9100"])
    assert egress.allows("api.openai.com") and egress.allows("127.0.0.1") and not egress.allows("169.254.169.254")
    entities = [
        {
            "external_model": {
                "provider": "openai",
                "openai_config": {"openai_api_base": "http://169.254.169.254/latest"},
            }
        }
    ]
    with pytest.raises(
        InvalidParameterValue,
        match=r"config.served_entities\[0\].external_model.openai_config"
        r".openai_api_base: upstream host '169.254.169.254'",
    ):
        egress.check_config(entities, "config.")
    bases = upstream_bases(["google-oauth=http://127.0.0.1:9100"])
    egress.check_call("ep", "e", call_urls({"provider": "openai", "openai_config": {}}, bases))
    with pytest.raises(PermissionDenied, match=re.escape("'ep' served entity 'e': upstream host 'api.anthropic.com'")):
        egress.check_call("ep", "e", call_urls({"provider": "anthropic", "anthropic_config": {}}, bases))
    vertex = {"provider": "google-cloud-vertex-ai", "google_cloud_vertex_ai_config": {"region": "europe-west4"}}
    assert call_urls(vertex, bases) == [
        "https://europe-west4-aiplatform.googleapis.com/v1",
        "http://127.0.0.1:9100/token",
    ]
    with pytest.raises(PermissionDenied, match=re.escape("upstream host 'europe-west4-aiplatform.googleapis.com'")):
        egress.check_call("ep", "e", call_urls(vertex, bases))
    bedrock = {"provider": "amazon-bedrock", "amazon_bedrock_config": {"aws_region": "us-east-1"}}
    assert call_urls(bedrock, bases) == ["https://bedrock-runtime.us-east-1.amazonaws.com"]
    assert host_problem("api.openai.com") is None
    assert host_problem("https://api.openai.com/v1") and host_problem("")


def test_an_upstream_error_is_echoed_only_as_a_short_clean_excerpt():
    body = {"error": {"message": "\x1b[31mboom\r\n" + "A" * 5000 + " sk-the-key"}}
    error = from_status("openai", "e", 500, body, None, "sk-the-key")
    detail = error.message.split("HTTP 500: ", 1)[1]
    assert len(detail) <= EXCERPT_CHARS + len(" [...]") and detail.endswith("[...]")
    assert "\x1b" not in error.message and "\n" not in error.message and "sk-the-key" not in error.message


def test_validate_refuses_over_deep_yaml_with_one_line(tmp_path, capsys):
    deep = tmp_path / "Pulumi.deep.yaml"
    deep.write_text("config:\n  serving:scopes: " + "[" * 5000 + "]" * 5000 + "\n")
    assert main(["validate", str(deep)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{deep}:2:81: error: not a stack file: nested more than 64 levels deep"]
