"""Deterministic fake upstream LLM services on one port: OpenAI, Azure OpenAI, Entra ID tokens, Anthropic, Cohere,
Amazon Bedrock, Google Vertex AI (with Google's OAuth token endpoint), AI21 Labs, PaLM and another workspace's
Databricks model serving; and a Databricks workspace's service-principal OAuth (M2M) token endpoint.

They stand in for the real providers in tests, benchmarks and the demo: answers are a pure function of
(provider, model, prompt, choice index), errors, 429s and latency are switched on by flags or by
``POST /_control``, and received credentials are recorded only as SHA-256 hashes (``GET /_control/requests``).
"""

from .app import create_fake_upstream_app
from .behaviour import Behaviour

__all__ = ["Behaviour", "create_fake_upstream_app"]
