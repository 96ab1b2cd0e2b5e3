"""This project's policy pack: pulumi-serving's rules, each with its level and settings.

`pulumi preview --policy-pack policy` fails on a violation of a "mandatory" rule and warns on an "advisory" one;
"disabled" turns a rule off. A `--policy-pack-config FILE.json` of the same shape overrides what is set here.
Every rule and setting: docs/policy.md of pulumi-serving.
"""

from pulumi_serving.policy import run_pack

run_pack(
    {
        # An endpoint serving an external model has rate limits (`rate_limits:` in its declaration).
        "external-model-rate-limits": "mandatory",
        # Credentials are secret references ({{secrets/<scope>/<key>}}), never `*_plaintext` values.
        "no-plaintext-credentials": "mandatory",
        # No CAN_MANAGE on an endpoint, no MANAGE on a secret scope, for every workspace user.
        "no-manage-for-broad-groups": {"enforcementLevel": "mandatory", "groups": ["users"]},
        # Secret references name scopes this stack declares (serving:scopes), or these ones managed elsewhere.
        "secret-scopes-declared": {"enforcementLevel": "mandatory", "allowed_scopes": []},
        # The providers (and `provider/model` patterns; empty: any model) endpoints may serve.
        "allowed-providers-and-models": {
            "enforcementLevel": "mandatory",
            "providers": ["openai", "anthropic"],
            "models": [],
        },
        # Endpoints carry an owning team (`tags:` in the declaration).
        "required-tags": {"enforcementLevel": "advisory", "tags": ["team"]},
        # Usage tracking on the endpoints of shared stacks (ai_gateway.usage_tracking_config.enabled).
        "ai-gateway-observability": {
            "enforcementLevel": "advisory",
            "stacks": ["workspace", "staging", "prod"],
            "usage_tracking": True,
            "inference_tables": False,
        },
    }
)
