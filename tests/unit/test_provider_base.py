"""The providers' shared check/diff opening: unknown properties, values not known at preview, labels."""

from __future__ import annotations

from pulumi.output import Unknown

from pulumi_serving.resources import RateLimitsProvider, SecretAclProvider
from pulumi_serving.resources.provider_base import has_unknowns, shown


def test_values_unknown_at_preview_are_recognised_in_either_form() -> None:
    assert has_unknowns(Unknown()) and has_unknowns({"a": [Unknown()]})
    assert has_unknowns("04da6b54-80e4-46f7-96ec-b56ff0331ba9") and not has_unknowns({"a": ["x"]})
    assert shown(Unknown()) == "(known after apply)" and shown("ep") == "ep"


def test_diff_label_of_an_unknown_endpoint_name_is_readable(capsys) -> None:
    olds = {"endpoint": "ep", "rate_limits": [{"key": "user", "renewal_period": "minute", "calls": 20}]}
    result = RateLimitsProvider().diff("ep", olds, {"endpoint": Unknown(), "rate_limits": []})
    err = capsys.readouterr().err
    assert result.changes and "RateLimits (known after apply)" in err
    assert "Unknown object" not in err


def test_check_names_unknown_properties_with_the_resource_kind() -> None:
    result = SecretAclProvider().check({}, {"scope": "s", "principal": "p", "permission": "READ", "colour": "red"})
    assert result.failures[0].reason == "colour: unknown property of SecretAcl"
