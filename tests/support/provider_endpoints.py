"""One chat (or completions) endpoint per external-model provider the gateway translates, served by the fake
upstream: the secrets they reference, a generated service-account key for Vertex AI, and the server flags."""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

AWS_KEY_ID = "AKIAFAKEGATEWAY0001"
AWS_SECRET = "aws-secret-7d1f0c9b"
AI21_KEY = "ai21-key-40b2"
PALM_KEY = "palm-key-93ce"
DATABRICKS_TOKEN = "dapi-other-workspace-5a7e"
PROVIDERS = ("amazon-bedrock", "google-cloud-vertex-ai", "ai21labs", "palm", "databricks-model-serving")


def service_account_key() -> str:
    """A freshly generated service-account JSON key (RSA 2048)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "fake-project",
            "private_key_id": "k1",
            "private_key": pem,
            "client_email": "gateway@fake-project.iam.gserviceaccount.com",
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    )


@dataclass(frozen=True)
class ProviderEndpoint:
    name: str
    provider: str
    model: str
    task: str
    config_block: str
    config: dict


def upstreams(fake_url: str) -> tuple[str, ...]:
    """``PROVIDER=URL`` redirects of every provider here and Google's token endpoint to the fake upstream."""
    return tuple(f"{name}={fake_url}" for name in (*PROVIDERS, "google-oauth"))


def endpoints(vertex_key_ref: str = "{{secrets/providers/vertex_key}}") -> list[ProviderEndpoint]:
    ref = "{{secrets/providers/%s}}"
    return [
        ProviderEndpoint(
            "bedrock-chat",
            "amazon-bedrock",
            "anthropic.claude-3-haiku-20240307-v1:0",
            "llm/v1/chat",
            "amazon_bedrock_config",
            {
                "aws_region": "us-east-1",
                "bedrock_provider": "anthropic",
                "aws_access_key_id": ref % "aws_key_id",
                "aws_secret_access_key": ref % "aws_secret",
            },
        ),
        ProviderEndpoint(
            "titan-chat",
            "amazon-bedrock",
            "amazon.titan-text-express-v1",
            "llm/v1/chat",
            "amazon_bedrock_config",
            {
                "aws_region": "eu-west-1",
                "bedrock_provider": "Amazon",
                "aws_access_key_id_plaintext": AWS_KEY_ID,
                "aws_secret_access_key": ref % "aws_secret",
            },
        ),
        ProviderEndpoint(
            "vertex-chat",
            "google-cloud-vertex-ai",
            "gemini-1.5-flash",
            "llm/v1/chat",
            "google_cloud_vertex_ai_config",
            {"project_id": "fake-project", "region": "us-central1", "private_key": vertex_key_ref},
        ),
        ProviderEndpoint(
            "ai21-completions",
            "ai21labs",
            "j2-mid",
            "llm/v1/completions",
            "ai21labs_config",
            {"ai21labs_api_key": ref % "ai21_key"},
        ),
        ProviderEndpoint(
            "palm-chat", "palm", "chat-bison-001", "llm/v1/chat", "palm_config", {"palm_api_key": ref % "palm_key"}
        ),
        ProviderEndpoint(
            "databricks-chat",
            "databricks-model-serving",
            "other-chat",
            "llm/v1/chat",
            "databricks_model_serving_config",
            {
                "databricks_workspace_url": "https://other-workspace.cloud.databricks.com",
                "databricks_api_token": ref % "dbx_token",
            },
        ),
    ]


def create_all(admin: httpx.Client, vertex_key: str) -> list[ProviderEndpoint]:
    """Store the secrets (scope ``providers``) and create every endpoint of :func:`endpoints`."""
    assert admin.post("/api/2.0/secrets/scopes/create", json={"scope": "providers"}).status_code == 200
    for key, value in (
        ("aws_key_id", AWS_KEY_ID),
        ("aws_secret", AWS_SECRET),
        ("vertex_key", vertex_key),
        ("ai21_key", AI21_KEY),
        ("palm_key", PALM_KEY),
        ("dbx_token", DATABRICKS_TOKEN),
    ):
        put = admin.post("/api/2.0/secrets/put", json={"scope": "providers", "key": key, "string_value": value})
        assert put.status_code == 200, put.text
    made = endpoints()
    for ep in made:
        body = {
            "name": ep.name,
            "config": {
                "served_entities": [
                    {
                        "name": ep.name,
                        "external_model": {
                            "name": ep.model,
                            "provider": ep.provider,
                            "task": ep.task,
                            ep.config_block: ep.config,
                        },
                    }
                ]
            },
            "ai_gateway": {"usage_tracking_config": {"enabled": True}},
        }
        response = admin.post("/api/2.0/serving-endpoints", json=body)
        assert response.status_code == 200, response.text
    return made
