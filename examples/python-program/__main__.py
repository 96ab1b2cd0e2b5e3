"""An OpenAI completions endpoint whose key lives in a secret scope, rate limited to 20 calls/minute/user,
queryable by the group ``apps``.

    pulumi config set serving:host http://127.0.0.1:8080       # or DATABRICKS_HOST / ~/.databrickscfg
    pulumi config set --secret serving:token <token>
    pulumi config set --secret openaiApiKey <sk-...>
    pulumi up
"""

import pulumi
from pulumi import ResourceOptions

from pulumi_serving import (
    AccessControlArgs,
    AiGatewayRateLimitArgs,
    EndpointPermissions,
    ExternalModelArgs,
    OpenAiConfigArgs,
    RateLimits,
    Secret,
    SecretAcl,
    SecretScope,
    ServedEntityArgs,
    ServingEndpoint,
)

config = pulumi.Config()

scope = SecretScope("openai-scope", scope="my_openai_secret_scope")
api_key = Secret(
    "openai-api-key",
    scope=scope.scope,
    key="openai_api_key",
    string_value=config.require_secret("openaiApiKey"),  # a Pulumi secret: encrypted in state
    opts=ResourceOptions(depends_on=[scope]),
)
readers = SecretAcl(
    "openai-scope-readers",
    scope=scope.scope,
    principal="users",
    permission="READ",
    opts=ResourceOptions(depends_on=[scope]),
)

endpoint = ServingEndpoint(
    "openai-completions",
    endpoint_name="openai-completions-endpoint",
    served_entities=[
        ServedEntityArgs(  # typed arguments; plain dicts work as well
            name="openai-completions",
            external_model=ExternalModelArgs(
                name="gpt-3.5-turbo-instruct",
                provider="openai",
                task="llm/v1/completions",
                # {{secrets/my_openai_secret_scope/openai_api_key}}; the endpoint then depends on the secret and
                # preview does not look it up on the server.
                openai_config=OpenAiConfigArgs(openai_api_key=api_key.config_reference),
            ),
        )
    ],
    description="Completions for the apps team",
    opts=ResourceOptions(depends_on=[readers]),
)

RateLimits(
    "openai-completions-rate-limits",
    endpoint=endpoint,
    rate_limits=[AiGatewayRateLimitArgs(calls=20, key="user", renewal_period="minute")],
    opts=ResourceOptions(depends_on=[endpoint]),
)

# The endpoint's direct grants, authoritative (the caller keeps its own CAN_MANAGE).
EndpointPermissions(
    "openai-completions-permissions",
    endpoint=endpoint,
    access_control_list=[AccessControlArgs(group_name="apps", permission_level="CAN_QUERY")],
)

pulumi.export("invocation_url", endpoint.invocation_url)
