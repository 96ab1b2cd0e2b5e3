"""pulumi_serving.policy's rules, as pure functions of resource properties (docs/policy.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pulumi_serving import resources
from pulumi_serving.payloads import PROVIDERS
from pulumi_serving.policy import RULES, RULES_BY_NAME, UNKNOWN, Level, ResourceView, Rule, Violation
from tests.support.pulumi_stack import REPO_ROOT

STACK = "dev"
KEY_REF = "{{secrets/my_openai_secret_scope/openai_api_key}}"


def urn(kind: str, name: str, stack: str = STACK) -> str:
    return f"urn:pulumi:{stack}::infra::pulumi-python:dynamic/serving:{kind}::{name}"


def resource(kind: str, name: str, stack: str = STACK, **props: Any) -> ResourceView:
    return ResourceView(kind=kind, name=name, urn=urn(kind, name, stack), props=props)


def openai_config(**credentials: Any) -> dict[str, Any]:
    return {
        "served_entities": [
            {
                "name": "completions",
                "external_model": {
                    "name": "gpt-3.5-turbo-instruct",
                    "provider": "openai",
                    "task": "llm/v1/completions",
                    "openai_config": credentials or {"openai_api_key": KEY_REF},
                },
            }
        ]
    }


def endpoint(name: str = "chat", stack: str = STACK, **props: Any) -> ResourceView:
    return resource("ServingEndpoint", name, stack, **{"endpoint_name": name, "config": openai_config(), **props})


def rate_limits(endpoint_name: Any, name: str = "chat/rate-limits", **extra: Any) -> ResourceView:
    limits = extra.pop("rate_limits", [{"calls": 20, "key": "user", "renewal_period": "minute"}])
    return ResourceView(
        kind="RateLimits",
        name=name,
        urn=urn("RateLimits", name),
        props={"endpoint": endpoint_name, "rate_limits": limits},
        **extra,
    )


def stack_messages(rule: str, resources: list[ResourceView], config: dict[str, Any] | None = None) -> list[str]:
    return [v.message for v in RULES_BY_NAME[rule].check_stack(resources, config)]


def messages(rule: str, subject: ResourceView, config: dict[str, Any] | None = None) -> list[str]:
    return RULES_BY_NAME[rule].check_resource(subject, config)


def test_resource_kinds_are_read_from_the_types_the_resources_register():
    for resource_class in (resources.ServingEndpoint, resources.RateLimits, resources.SecretScopeAcls):
        full_type = f"pulumi-python:{resource_class._resource_type_name}"
        assert ResourceView.kind_of(full_type) == resource_class.__name__
    assert ResourceView.kind_of("aws:s3/bucket:Bucket") == "aws:s3/bucket:Bucket"


def test_every_rule_has_a_stable_unique_name_a_description_and_a_default_level():
    names = [rule.name for rule in RULES]
    assert names == [
        "external-model-rate-limits",
        "no-plaintext-credentials",
        "no-manage-for-broad-groups",
        "secret-scopes-declared",
        "allowed-providers-and-models",
        "required-tags",
        "ai-gateway-observability",
    ]
    for rule in RULES:
        assert rule.description.endswith(".") and rule.level in (Level.ADVISORY, Level.MANDATORY)
        assert all(s.default is not None and s.description for s in rule.settings)


# --- external-model-rate-limits


def test_an_external_model_endpoint_without_rate_limits_is_named():
    chat = endpoint("chat")
    [violation] = RULES_BY_NAME["external-model-rate-limits"].check_stack([chat], None)
    assert violation == Violation(violation.message, chat.urn)
    assert "ServingEndpoint 'chat'" in violation.message and "openai/gpt-3.5-turbo-instruct" in violation.message
    assert "rate_limits:" in violation.message  # says how to fix it


@pytest.mark.parametrize(
    "limits",
    [
        pytest.param(rate_limits("chat"), id="RateLimits by endpoint name"),
        pytest.param(
            rate_limits(UNKNOWN, property_dependencies={"endpoint": (urn("ServingEndpoint", "chat"),)}),
            id="RateLimits by dependency (name unknown in preview)",
        ),
        pytest.param(rate_limits(UNKNOWN, parent=urn("ServingEndpoint", "chat")), id="RateLimits child"),
        pytest.param(rate_limits("chat", rate_limits=UNKNOWN), id="limits not known yet"),
    ],
)
def test_a_rate_limits_resource_for_the_endpoint_satisfies_the_rule(limits):
    assert stack_messages("external-model-rate-limits", [endpoint("chat"), limits]) == []


def test_gateway_rate_limits_satisfy_the_rule_and_empty_ones_do_not():
    limited = endpoint(
        "chat", ai_gateway={"rate_limits": [{"calls": 5, "key": "endpoint", "renewal_period": "minute"}]}
    )
    assert stack_messages("external-model-rate-limits", [limited]) == []
    assert stack_messages("external-model-rate-limits", [endpoint("chat", ai_gateway={"rate_limits": []})]) != []
    other = rate_limits("another-endpoint")
    empty = rate_limits("chat", rate_limits=[])
    assert len(stack_messages("external-model-rate-limits", [endpoint("chat"), other, empty])) == 1


def test_endpoints_without_external_models_need_no_rate_limits():
    model = resource(
        "ServingEndpoint",
        "custom",
        endpoint_name="custom",
        config={"served_entities": [{"entity_name": "m", "entity_version": "1"}]},
    )
    assert stack_messages("external-model-rate-limits", [model]) == []


def test_legacy_served_models_are_read_too():
    config = {"served_models": openai_config()["served_entities"]}
    assert len(stack_messages("external-model-rate-limits", [endpoint("chat", config=config)])) == 1


# --- no-plaintext-credentials


def test_a_plaintext_credential_is_named_by_path_never_by_value():
    leaky = endpoint("chat", config=openai_config(openai_api_key_plaintext="sk-live-123"))
    [message] = messages("no-plaintext-credentials", leaky)
    assert "config.served_entities[0].external_model.openai_config.openai_api_key_plaintext" in message
    assert "sk-live-123" not in message and "{{secrets/<scope>/<key>}}" in message


def test_references_and_null_plaintext_fields_pass():
    assert messages("no-plaintext-credentials", endpoint("chat")) == []
    unset = endpoint("chat", config=openai_config(openai_api_key=KEY_REF, openai_api_key_plaintext=None))
    assert messages("no-plaintext-credentials", unset) == []


def test_a_plaintext_value_unknown_in_preview_is_still_a_plaintext_field():
    leaky = endpoint("chat", config=openai_config(openai_api_key_plaintext=UNKNOWN))
    assert len(messages("no-plaintext-credentials", leaky)) == 1


# --- no-manage-for-broad-groups


def permissions(*acl: dict[str, str]) -> ResourceView:
    return resource("EndpointPermissions", "chat/permissions", endpoint="chat", access_control_list=list(acl))


def test_can_manage_for_users_is_refused_on_endpoints():
    [message] = messages(
        "no-manage-for-broad-groups",
        permissions({"group_name": "users", "permission_level": "CAN_MANAGE"}),
    )
    assert "CAN_MANAGE" in message and "'users'" in message


def test_lesser_grants_to_users_and_manage_to_narrow_groups_pass_unless_every_grant_is_forbidden():
    acl = permissions(
        {"group_name": "users", "permission_level": "CAN_QUERY"},
        {"group_name": "ml-admins", "permission_level": "CAN_MANAGE"},
        {"user_name": "users", "permission_level": "CAN_MANAGE"},  # a user, not the group
    )
    assert messages("no-manage-for-broad-groups", acl) == []
    strict = messages("no-manage-for-broad-groups", acl, {"forbid_any_grant": True})
    assert len(strict) == 1 and "CAN_QUERY" in strict[0]


def test_the_broad_groups_are_configurable():
    acl = permissions({"group_name": "all-staff", "permission_level": "CAN_MANAGE"})
    assert messages("no-manage-for-broad-groups", acl) == []
    assert len(messages("no-manage-for-broad-groups", acl, {"groups": ["users", "all-staff"]})) == 1


@pytest.mark.parametrize(
    "grant",
    [
        resource("SecretAcl", "scope/users", scope="scope", principal="users", permission="MANAGE"),
        resource("SecretScopeAcls", "scope/acls", scope="scope", acls=[{"principal": "users", "permission": "MANAGE"}]),
        resource("SecretScope", "scope", scope="scope", initial_manage_principal="users"),
    ],
    ids=lambda r: r.kind,
)
def test_manage_for_users_is_refused_on_secret_scopes(grant):
    [message] = messages("no-manage-for-broad-groups", grant)
    assert "MANAGE" in message and "'users'" in message and "'scope'" in message


def test_read_on_a_scope_and_unknown_grants_pass():
    read = resource("SecretAcl", "scope/users", scope="scope", principal="users", permission="READ")
    assert messages("no-manage-for-broad-groups", read) == []
    unknown = resource("EndpointPermissions", "p", endpoint="chat", access_control_list=UNKNOWN)
    assert messages("no-manage-for-broad-groups", unknown) == []


# --- secret-scopes-declared


def test_references_to_declared_or_allowed_scopes_pass_others_are_named():
    scope = resource("SecretScope", "my_openai_secret_scope", scope="my_openai_secret_scope")
    assert stack_messages("secret-scopes-declared", [scope, endpoint("chat")]) == []
    [message] = stack_messages("secret-scopes-declared", [endpoint("chat")])
    assert KEY_REF in message and "'my_openai_secret_scope'" in message and "openai_api_key" in message
    allowed = {"allowed_scopes": ["my_openai_secret_scope"]}
    assert stack_messages("secret-scopes-declared", [endpoint("chat")], allowed) == []


def test_environment_variable_references_are_checked_and_unknown_scope_names_excuse_the_stack():
    config = {
        "served_entities": [
            {"entity_name": "m", "entity_version": "1", "environment_vars": {"TOKEN": "{{secrets/ops/token}}"}}
        ]
    }
    with_env = resource("ServingEndpoint", "m", endpoint_name="m", config=config)
    assert len(stack_messages("secret-scopes-declared", [with_env])) == 1
    unknown_scope = resource("SecretScope", "s", scope=UNKNOWN)
    assert stack_messages("secret-scopes-declared", [with_env, unknown_scope]) == []


# --- allowed-providers-and-models


def test_every_provider_is_allowed_by_default():
    assert RULES_BY_NAME["allowed-providers-and-models"].configured(None)["providers"] == list(PROVIDERS)
    assert messages("allowed-providers-and-models", endpoint("chat")) == []


def test_a_provider_or_model_outside_the_lists_is_named():
    [message] = messages("allowed-providers-and-models", endpoint("chat"), {"providers": ["anthropic"]})
    assert "'openai'" in message and "allowed: anthropic" in message
    models = {"models": ["openai/gpt-4*", "anthropic/*"]}
    [message] = messages("allowed-providers-and-models", endpoint("chat"), models)
    assert "openai/gpt-3.5-turbo-instruct" in message and "openai/gpt-4*" in message
    assert messages("allowed-providers-and-models", endpoint("chat"), {"models": ["openai/gpt-3.5-*"]}) == []


# --- required-tags


@pytest.mark.parametrize(
    ("tags", "missing"),
    [
        (None, ["'team'"]),
        ([{"key": "team", "value": "ml"}], []),
        ({"team": "ml"}, []),
        ([{"key": "team"}], ["'team'"]),  # a tag without a value does not count
        ([{"key": "owner", "value": "me"}], ["'team'"]),
        (UNKNOWN, []),
    ],
)
def test_required_tags(tags, missing):
    found = messages("required-tags", endpoint("chat", tags=tags))
    assert [m for m in missing if any(m in f for f in found)] == missing and len(found) == (1 if missing else 0)


def test_required_tag_keys_are_configurable():
    tagged = endpoint("chat", tags={"team": "ml"})
    [message] = messages("required-tags", tagged, {"tags": ["team", "cost-center"]})
    assert "'cost-center'" in message and "'team'" not in message


# --- ai-gateway-observability


def test_usage_tracking_is_required_in_the_configured_stacks_only():
    bare = endpoint("chat", stack="prod")
    [message] = messages("ai-gateway-observability", bare, {"stacks": ["prod*"]})
    assert "usage tracking" in message and "'prod'" in message
    assert messages("ai-gateway-observability", endpoint("chat", stack="dev"), {"stacks": ["prod*"]}) == []
    tracked = endpoint("chat", stack="prod", ai_gateway={"usage_tracking_config": {"enabled": True}})
    assert messages("ai-gateway-observability", tracked, {"stacks": ["prod*"]}) == []


def test_inference_tables_when_configured():
    tracked = endpoint("chat", ai_gateway={"usage_tracking_config": {"enabled": True}})
    [message] = messages("ai-gateway-observability", tracked, {"inference_tables": True})
    assert "inference tables" in message and "usage tracking" not in message
    both = endpoint(
        "chat",
        ai_gateway={"usage_tracking_config": {"enabled": True}, "inference_table_config": {"enabled": True}},
    )
    assert messages("ai-gateway-observability", both, {"inference_tables": True}) == []


def test_resource_rules_ignore_other_kinds():
    scope = resource("SecretScope", "s", scope="s")
    for rule in RULES:
        if not rule.is_stack_rule and "SecretScope" not in rule.kinds:
            assert rule.check_resource(scope) == []


def test_docs_policy_md_lists_every_rule_its_level_and_each_setting_with_its_default():
    text = (REPO_ROOT / "docs" / "policy.md").read_text()
    for rule in RULES:
        kind = "stack" if rule.is_stack_rule else "resource"
        assert f"| `{rule.name}` | {kind} | {rule.level.value} |" in text, rule.name
        assert f"### `{rule.name}`" in text
        for setting in rule.settings:
            row = f"| `{setting.name}` | `{json.dumps(setting.default)}` | {setting.description} |"
            assert row in text, row


def test_a_rule_is_either_a_resource_rule_or_a_stack_rule():
    with pytest.raises(ValueError, match="exactly one of check and stack_check"):
        Rule(name="r", description="d.", level=Level.ADVISORY, kinds=("ServingEndpoint",))
