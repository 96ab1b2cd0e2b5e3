"""The providers' shared check/diff opening: unknown properties, values not known at preview, labels."""

from __future__ import annotations

import re

import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.output import Unknown

from pulumi_serving.client import CredentialsError
from pulumi_serving.resources import RateLimitsProvider, SecretAclProvider, provider_base
from pulumi_serving.resources.provider_base import endpoint_inputs, has_unknowns, shown


def _configured(cls, **settings):
    provider = cls()
    provider.configure(ConfigureRequest(Config({f"serving:{k}": v for k, v in settings.items()}, "serving")))
    return provider


def test_values_unknown_at_preview_are_recognised_in_either_form() -> None:
    assert has_unknowns(Unknown()) and has_unknowns({"a": [Unknown()]})
    assert has_unknowns("04da6b54-80e4-46f7-96ec-b56ff0331ba9") and not has_unknowns({"a": ["x"]})
    assert shown(Unknown()) == "(known after apply)" and shown("ep") == "ep"


def test_the_endpoint_argument_of_limits_and_permissions_is_checked_once_it_is_known() -> None:
    assert endpoint_inputs("ep") == ("ep", None)  # a name: no id to follow
    check = RateLimitsProvider().check_inputs
    assert check({}, {"endpoint": "ep", "rate_limits": []}) == []
    assert check({}, {"endpoint": Unknown(), "rate_limits": []}) == []
    (failure,) = check({}, {"endpoint": "bad name!", "rate_limits": []})
    assert failure.property == "endpoint" and failure.reason.startswith("endpoint: ")
    assert RateLimitsProvider().label({"endpoint": "ep"}) == "RateLimits ep"


def test_diff_label_of_an_unknown_endpoint_name_is_readable(capsys) -> None:
    olds = {"endpoint": "ep", "rate_limits": [{"key": "user", "renewal_period": "minute", "calls": 20}]}
    result = RateLimitsProvider().diff("ep", olds, {"endpoint": Unknown(), "rate_limits": []})
    err = capsys.readouterr().err
    assert result.changes and "RateLimits (known after apply)" in err
    assert "Unknown object" not in err


def test_check_names_unknown_properties_with_the_resource_kind(inprocess_server_factory) -> None:
    server = inprocess_server_factory()
    provider = _configured(SecretAclProvider, host=server.url, token=server.admin_token)
    result = provider.check({}, {"scope": "s", "principal": "p", "permission": "READ", "colour": "red"})
    assert result.failures[0].reason == "colour: unknown property of SecretAcl"


def test_preview_checks_credentials_once_and_names_the_setting(inprocess_server_factory) -> None:
    server = inprocess_server_factory()
    props = {"scope": "s", "principal": "p", "permission": "READ"}

    def reasons(provider) -> list[str]:  # a failed check is a problem of the resource (one line), not a traceback
        return [f.reason for f in provider.check({}, props).failures]

    unreachable = reasons(_configured(SecretAclProvider, host="http://127.0.0.1:9", token="t"))
    assert unreachable == ["cannot reach the serving API at http://127.0.0.1:9 (serving:host): check serving:host"]
    with pytest.MonkeyPatch.context() as env:  # a host from the environment is named as such, not as serving:host
        env.setenv("DATABRICKS_HOST", "http://127.0.0.1:9")
        env.setenv("DATABRICKS_TOKEN", "t")
        env.setattr(provider_base, "_ACCESS", {})  # the answer is remembered per settings, and these have none
        from_env = reasons(_configured(SecretAclProvider))
    assert from_env == ["cannot reach the serving API at http://127.0.0.1:9 (DATABRICKS_HOST): check DATABRICKS_HOST"]
    with pytest.MonkeyPatch.context() as env:  # a host that answers, but not the Databricks API: the same setting
        env.setenv("DATABRICKS_HOST", f"{server.url}/not-the-api")
        env.setenv("DATABRICKS_TOKEN", server.admin_token)
        env.setattr(provider_base, "_ACCESS", {})
        elsewhere = reasons(_configured(SecretAclProvider))
    assert elsewhere == [
        f"the serving API at {server.url}/not-the-api (DATABRICKS_HOST) does not serve the Databricks REST API: "
        "check DATABRICKS_HOST"
    ]
    refused = _configured(SecretAclProvider, host=server.url, token="not-a-token")
    [first] = reasons(refused)
    assert re.search(r"refused the token.*check serving:token", first), first
    assert reasons(refused) == [first]  # the answer is remembered, not asked again
    with pytest.raises(CredentialsError, match="refused the token"):  # outside check it still raises
        refused.caller()
    admin = _configured(SecretAclProvider, host=server.url, token=server.admin_token)
    assert admin.caller() == "admin" and admin.principal().is_admin  # name and groups from the one SCIM Me call


def test_a_same_name_replace_is_announced_as_an_outage(capsys) -> None:
    from pulumi_serving.plan import comparable_endpoint
    from pulumi_serving.resources import ServingEndpointProvider

    props = {
        "endpoint_name": "ep",
        "description": "old",
        "config": {
            "served_entities": [
                {
                    "name": "main",
                    "external_model": {
                        "name": "m",
                        "provider": "openai",
                        "task": "llm/v1/chat",
                        "openai_config": {"openai_api_key": "{{secrets/s/k}}"},
                    },
                }
            ]
        },
    }
    olds = comparable_endpoint.declared(props)[0]
    result = ServingEndpointProvider().diff("ep", olds, {**props, "description": "new"})
    err = capsys.readouterr().err
    assert result.replaces == ["description"] and result.delete_before_replace is True
    assert "+- description: replace (the serving API has no call that changes an endpoint's description)" in err
    assert "warning: ServingEndpoint ep is replaced delete-first" in err and "outage" in err
    assert "PUT" not in err  # a replace is never also announced as a config update
    renamed = ServingEndpointProvider().diff("ep", olds, {**props, "endpoint_name": "ep2"})
    assert renamed.delete_before_replace is False and "warning" not in capsys.readouterr().err
