"""Request bodies of the serving API (endpoints, entities, the OpenAI secret) and error reading, for the tests and
the benchmarks."""

from __future__ import annotations

from typing import Any

import httpx

from pulumi_serving.payloads.external_models import PROVIDER_CONFIG_BLOCK

OPENAI_REF = "{{secrets/my_openai_secret_scope/openai_api_key}}"


def seed_openai_secret(
    client: httpx.Client, scope: str = "my_openai_secret_scope", value: str = "sk-test-openai"
) -> None:
    r = client.post("/api/2.0/secrets/scopes/create", json={"scope": scope})
    assert r.status_code in (200, 400), r.text
    assert (
        client.post(
            "/api/2.0/secrets/put", json={"scope": scope, "key": "openai_api_key", "string_value": value}
        ).status_code
        == 200
    )


def entity(name: str, provider: str, model: str, task: str, **config: Any) -> dict[str, Any]:
    """A served entity of an external model; ``config`` is the provider's config block."""
    block = PROVIDER_CONFIG_BLOCK[provider]
    return {"name": name, "external_model": {"name": model, "provider": provider, "task": task, block: config}}


def openai_entity(
    name: str = "openai-completions", key: dict[str, str] | None = None, task: str = "llm/v1/completions"
) -> dict[str, Any]:
    return entity(name, "openai", "gpt-3.5-turbo-instruct", task, **(key or {"openai_api_key": OPENAI_REF}))


def chat_config(openai_api_key: str) -> dict[str, Any]:
    """An endpoint config serving OpenAI's gpt-4o-mini for chat as ``gpt``, its key given as ``openai_api_key``."""
    return {"served_entities": [entity("gpt", "openai", "gpt-4o-mini", "llm/v1/chat", openai_api_key=openai_api_key)]}


def create_body(name: str, *entities: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "config": {"served_entities": list(entities) or [openai_entity()]}, **extra}


def error(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["error_code"], body["message"]
