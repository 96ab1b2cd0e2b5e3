"""pulumi_serving.policy's configuration checks and its pulumi-policy adapter, through pulumi-policy's own types."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

import pulumi_serving.policy
from pulumi_serving.policy import RULES, RULES_BY_NAME, UNKNOWN, ConfigError, Level, pack_config, run_pack
from pulumi_serving.policy.pack import initial_config, plain, policy

PREFIX = "pulumi-python:dynamic/serving:"
OPTS = PolicyResourceOptions(False, [], None, [], None, [], None)  # type: ignore[arg-type]
CONFIG = {
    "served_entities": [
        {
            "name": "chat",
            "external_model": {"name": "gpt-4o", "provider": "openai", "task": "llm/v1/chat", "openai_config": {}},
        }
    ]
}


def urn(kind: str, name: str) -> str:
    return f"urn:pulumi:dev::infra::{PREFIX}{kind}::{name}"


def policy_resource(kind: str, name: str, props: dict[str, Any], **links: Any) -> PolicyResource:
    return PolicyResource(
        PREFIX + kind,
        unknown_checking_proxy(props),
        urn(kind, name),
        name,
        OPTS,
        None,
        links.get("parent"),
        [],
        links.get("property_dependencies", {}),
    )


# --- configuration


def test_a_configuration_of_levels_and_settings_is_checked_per_rule():
    checked = pack_config(
        {"required-tags": "mandatory", "no-manage-for-broad-groups": {"groups": ("users", "all")}},
        RULES,
    )
    assert checked["required-tags"].level is Level.MANDATORY and checked["required-tags"].settings == {}
    broad = checked["no-manage-for-broad-groups"]
    assert broad.level is None and broad.settings == {"groups": ["users", "all"]}


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"rate-limits": "mandatory"}, "no rule named 'rate-limits' (rules: external-model-rate-limits,"),
        ({"required-tags": "strict"}, "'strict' is not one of advisory, mandatory, disabled"),
        ({"required-tags": {"tag": ["team"]}}, "rule 'required-tags' has no setting 'tag' (settings: tags)"),
        ({"required-tags": {"tags": "team"}}, "setting 'tags' must be a list of strings"),
        ({"ai-gateway-observability": {"usage_tracking": "yes"}}, "'usage_tracking' must be true or false"),
        ({"required-tags": ["team"]}, "give a level or a mapping of settings, not list"),
        ({"no-plaintext-credentials": {"allowed": []}}, "has no setting 'allowed' (settings: none)"),
    ],
)
def test_a_bad_configuration_names_the_rule_and_the_key(config, named):
    with pytest.raises(ConfigError, match=re.escape(named)):
        pack_config(config, RULES)


def test_a_bad_configuration_ends_the_pack_with_one_line():
    with pytest.raises(SystemExit) as raised:
        run_pack({"required-tags": "strict"})
    message = str(raised.value.code)
    assert message.startswith("pulumi-serving policy pack: rule 'required-tags'") and "\n" not in message


def test_without_pulumi_policy_the_pack_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pulumi_policy", None)  # importing it now fails as if not installed
    monkeypatch.delitem(sys.modules, "pulumi_serving.policy.pack")
    monkeypatch.delattr(pulumi_serving.policy, "pack")
    with pytest.raises(SystemExit) as raised:
        run_pack()
    assert "pip install 'pulumi-serving[policy]'" in str(raised.value.code)


# --- adapter


def test_unknown_values_become_the_unknown_marker_at_any_depth():
    proxied = unknown_checking_proxy(
        {"endpoint": UNKNOWN_STRING_VALUE, "limits": [{"calls": 5}, UNKNOWN_STRING_VALUE], "name": "x"}
    )
    assert plain(proxied) == {"endpoint": UNKNOWN, "limits": [{"calls": 5}, UNKNOWN], "name": "x"}


def test_each_rule_becomes_a_policy_with_its_name_level_and_settings_schema():
    for rule in RULES:
        made = policy(rule)
        assert isinstance(made, StackValidationPolicy if rule.is_stack_rule else ResourceValidationPolicy)
        assert (made.name, made.description) == (rule.name, rule.description)
        assert made.enforcement_level == EnforcementLevel(rule.level.value)
        properties = made.config_schema.properties if made.config_schema else {}
        assert {k: v["default"] for k, v in properties.items()} == {s.name: s.default for s in rule.settings}


def test_initial_config_carries_levels_as_enforcement_levels():
    assert initial_config({"required-tags": {"enforcementLevel": "disabled", "tags": ["a"]}}, RULES) == {
        "required-tags": {"enforcementLevel": EnforcementLevel.DISABLED, "tags": ["a"]}
    }


def test_a_resource_policy_reports_each_message_with_the_configuration_applied():
    endpoint = {"endpoint_name": "chat", "config": CONFIG, "tags": {"owner": "me"}}
    args = ResourceValidationArgs(
        PREFIX + "ServingEndpoint",
        unknown_checking_proxy(endpoint),
        urn("ServingEndpoint", "chat"),
        "chat",
        OPTS,
        None,
        {"tags": ["owner", "cost-center"]},
    )
    reported: list[tuple[str, str | None]] = []
    policy(RULES_BY_NAME["required-tags"]).validate(args, lambda message, urn=None: reported.append((message, urn)))
    [(message, where)] = reported
    assert "'cost-center'" in message and "'owner'" not in message and where is None


def test_a_stack_policy_links_rate_limits_to_their_endpoint_through_the_engine_s_dependencies():
    endpoint = policy_resource("ServingEndpoint", "chat", {"endpoint_name": "chat", "config": CONFIG})
    other = policy_resource("ServingEndpoint", "other", {"endpoint_name": "other", "config": CONFIG})
    limits = policy_resource(
        "RateLimits",
        "chat/rate-limits",
        {"endpoint": UNKNOWN_STRING_VALUE, "rate_limits": [{"calls": 1, "key": "user", "renewal_period": "minute"}]},
        property_dependencies={"endpoint": [endpoint]},
    )
    reported: list[tuple[str, str | None]] = []
    rule = policy(RULES_BY_NAME["external-model-rate-limits"])
    rule.validate(StackValidationArgs([endpoint, other, limits]), lambda m, u=None: reported.append((m, u)))
    assert [where for _, where in reported] == [urn("ServingEndpoint", "other")]
