"""A scope, a secret, an endpoint whose key references it, and its rate limit; exports the SDK version in use."""

from importlib.metadata import version

import pulumi
from pulumi import ResourceOptions

from pulumi_serving.resources import RateLimits, Secret, SecretScope, ServingEndpoint

scope = SecretScope("scope", scope="sdk_range_scope")
key = Secret(
    "key",
    scope=scope.scope,
    key="openai_api_key",
    string_value=pulumi.Config().require_secret("openaiApiKey"),
    opts=ResourceOptions(depends_on=[scope]),
)
endpoint = ServingEndpoint(
    "endpoint",
    endpoint_name="sdk-range-endpoint",
    served_entities=[
        {
            "name": "completions",
            "external_model": {
                "name": "gpt-3.5-turbo-instruct",
                "provider": "openai",
                "task": "llm/v1/completions",
                "openai_config": {"openai_api_key": "{{secrets/sdk_range_scope/openai_api_key}}"},
            },
        }
    ],
    known_secrets=["sdk_range_scope/openai_api_key"],
    opts=ResourceOptions(depends_on=[key]),
)
RateLimits(
    "limits",
    endpoint=endpoint.endpoint_name,
    rate_limits=[{"calls": 20, "key": "user", "renewal_period": "minute"}],
    opts=ResourceOptions(depends_on=[endpoint]),
)

pulumi.export("sdk_version", version("pulumi"))
if pulumi.Config().get_bool("taken"):  # an endpoint someone else made: the create fails, by its message alone
    ServingEndpoint(
        "taken",
        endpoint_name="sdk-range-taken",
        served_entities=[
            {
                "name": "m",
                "external_model": {
                    "name": "gpt-4",
                    "provider": "openai",
                    "task": "llm/v1/chat",
                    "openai_config": {"openai_api_key_plaintext": "sk-taken"},
                },
            }
        ],
        wait=False,
    )
