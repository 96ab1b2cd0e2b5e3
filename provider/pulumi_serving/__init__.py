"""pulumi-serving: LLM model serving endpoints, secret scopes and rate limits as Pulumi resources."""
