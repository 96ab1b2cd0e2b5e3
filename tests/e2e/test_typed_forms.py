"""The typed API's documented input forms through one real ``pulumi preview`` (issue 19, item 4).

``tests/unit/test_typed_input_forms.py`` walks every form of every argument under Pulumi's mocks; this program
uses each kind of form with values the provider accepts: typed ``...Args`` and plain dicts, ``config`` whole
and in sections, ``tags`` as a mapping, as a list of ``{key, value}`` and as an ``Output``, Outputs inside
nested arguments, the setting resources given an endpoint or its name. Preview runs every check against the
local serving API and shows each tag form as the same mapping.
"""

from __future__ import annotations

import pytest

from tests.support.pulumi_stack import python_program

pytestmark = pytest.mark.e2e

PROGRAM = """
import pulumi
from pulumi_serving import (
    AccessControlArgs, AiGatewayConfigArgs, AiGatewayRateLimitArgs, EmailNotificationsArgs, EndpointCoreConfigArgs,
    EndpointPermissions, EndpointTagArgs, EndpointsReady, ExternalModelArgs, OpenAiConfigArgs, RateLimits, RouteArgs,
    Secret, SecretAcl, SecretScope, SecretScopeAcls, ServedEntityArgs, ServingEndpoint, TrafficConfigArgs,
    UsageTrackingConfigArgs,
)

def entity(name, key):
    return ServedEntityArgs(name=name, external_model=ExternalModelArgs(
        name="gpt-4", provider="openai", task="llm/v1/chat",
        openai_config=OpenAiConfigArgs(openai_api_key_plaintext=key)))

scope = SecretScope("scope", scope="forms_keys", initial_manage_principal="users")
Secret("text", scope=scope.scope, key="text", string_value="sk-forms-text")
Secret("blob", scope=scope.scope, key="blob", bytes_value="c2stZm9ybXM=")
SecretAcl("acl", scope=scope.scope, principal="apps", permission="READ", opts=pulumi.ResourceOptions(depends_on=[scope]))
SecretScopeAcls("acls", scope=scope.scope, acls=[{"principal": "apps", "permission": "READ"}],
                opts=pulumi.ResourceOptions(depends_on=[scope]))

whole = ServingEndpoint(
    "whole", endpoint_name="forms-whole", wait=False,
    config=EndpointCoreConfigArgs(served_entities=[entity("a", "sk-a"), entity("b", pulumi.Output.secret("sk-b"))],
                                  traffic_config=TrafficConfigArgs(routes=[
                                      RouteArgs(served_entity_name="a", traffic_percentage=60),
                                      RouteArgs(served_entity_name="b", traffic_percentage=40)])),
    tags=[EndpointTagArgs(key="team", value="ml"), {"key": "solo"}],
    ai_gateway=AiGatewayConfigArgs(usage_tracking_config=UsageTrackingConfigArgs(enabled=True)),
    email_notifications=EmailNotificationsArgs(on_update_failure=["ops@example.com"]),
    description="typed", route_optimized=False,
    rate_limits=[AiGatewayRateLimitArgs(calls=20, key="user", renewal_period="minute")],
)
sections = ServingEndpoint(
    "sections", endpoint_name="forms-sections", wait=False,
    served_entities=[{"name": "m", "external_model": {"name": "gpt-4", "provider": "openai", "task": "llm/v1/chat",
                      "openai_config": {"openai_api_key_plaintext": "sk-m"}}}],
    tags={"team": "ml", "solo": ""},
)
wrapped = ServingEndpoint(
    "wrapped", endpoint_name="forms-wrapped",
    served_entities=pulumi.Output.from_input([entity("w", "sk-w")]),
    tags=pulumi.Output.from_input({"team": pulumi.Output.from_input("ml")}),
)
RateLimits("limits", endpoint="forms-sections", rate_limits=[{"calls": 5, "key": "endpoint", "renewal_period": "minute"}],
           opts=pulumi.ResourceOptions(depends_on=[sections]))
EndpointPermissions("grants", endpoint=sections,
                    access_control_list=[AccessControlArgs(group_name="apps", permission_level="CAN_QUERY")])
EndpointsReady("ready", endpoints=[whole, sections])
"""
KINDS = {
    "SecretScope": 1,
    "Secret": 2,
    "SecretAcl": 1,
    "SecretScopeAcls": 1,
    "ServingEndpoint": 3,
    "RateLimits": 2,
    "EndpointPermissions": 1,
    "EndpointsReady": 2,
}


def test_every_documented_form_previews(pulumi_stack_factory, inprocess_live_server, tmp_path):
    stack = pulumi_stack_factory(
        python_program(tmp_path, "forms-program", PROGRAM),
        config={"serving:host": inprocess_live_server.url},
        secrets={"serving:token": inprocess_live_server.admin_token},
    )
    plan = stack.preview_json()
    creates: dict[str, int] = {}
    for step in plan["steps"]:
        kind = step["urn"].split("::")[-2].rsplit(":", 1)[-1]
        if step["op"] == "create" and kind in KINDS:
            creates[kind] = creates.get(kind, 0) + 1
    assert creates == KINDS, plan["steps"]
    tags = {
        step["urn"].rsplit("::", 1)[-1]: step["newState"]["inputs"].get("tags")
        for step in plan["steps"]
        if step["urn"].endswith(("::whole", "::sections", "::wrapped"))
    }
    assert tags["whole"] == tags["sections"] == {"team": "ml", "solo": ""}, tags
    assert tags["wrapped"] == {"team": "ml"}, tags
    assert not plan.get("diagnostics") or all(d.get("severity") != "error" for d in plan["diagnostics"])
