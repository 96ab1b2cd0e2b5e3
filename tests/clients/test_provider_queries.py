"""databricks-sdk's ``serving_endpoints.query``, unchanged, on an endpoint of each provider the gateway
translates (Bedrock, Vertex AI, AI21 Labs, PaLM, Databricks model serving), served by the fake upstream."""

from __future__ import annotations

import pytest

from tests.support.inprocess import start_inprocess_server
from tests.support.provider_endpoints import create_all, endpoints, service_account_key, upstreams


@pytest.fixture(scope="module")
def server(fake_upstream, tmp_path_factory):
    live = start_inprocess_server(
        tmp_path_factory.mktemp("provider-clients") / "data", update_delay=0, upstreams=upstreams(fake_upstream.url)
    )
    try:
        with live.client() as admin:
            create_all(admin, service_account_key())
        yield live
    finally:
        live.stop()


@pytest.mark.parametrize("endpoint", endpoints(), ids=lambda e: e.name)
def test_databricks_sdk_query(server, endpoint):
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.service.serving import ChatMessage, ChatMessageRole

    w = WorkspaceClient(host=server.url, token=server.admin_token, auth_type="pat")
    if endpoint.task == "llm/v1/chat":
        response = w.serving_endpoints.query(
            name=endpoint.name,
            max_tokens=16,
            messages=[ChatMessage(role=ChatMessageRole.USER, content="What is a serving endpoint?")],
        )
        text = response.choices[0].message.content
    else:
        response = w.serving_endpoints.query(name=endpoint.name, prompt="What is a serving endpoint?", max_tokens=16)
        text = response.choices[0].text
    assert response.served_model_name == endpoint.name
    assert text.startswith("[") and endpoint.model.split(".")[0] in text
    assert response.usage.total_tokens > 0
