"""Which paths the data-plane fast path answers (the rest go to the FastAPI app)."""

from __future__ import annotations

import pytest

from pulumi_serving.server.gateway.dispatch import match
from pulumi_serving.server.gateway.routes import alias_handlers


@pytest.mark.parametrize("path", [
    "/serving-endpoints/ep/invocations",
    "/serving-endpoints/ep/served-models/gpt/invocations",
    "/serving-endpoints/chat/invocations",
])
def test_invocation_paths_have_a_handler(path):
    assert match(path) is not None


@pytest.mark.parametrize("alias", ["completions", "chat/completions", "embeddings"])
def test_openai_aliases_map_to_their_route_handlers(alias):
    assert match(f"/serving-endpoints/{alias}") is alias_handlers[alias]


@pytest.mark.parametrize("path", [
    "/api/2.0/serving-endpoints/ep/invocations",
    "/serving-endpoints//invocations",
    "/serving-endpoints/ep/invocations/",
    "/serving-endpoints/ep",
    "/serving-endpoints/ep/served-models//invocations",
    "/serving-endpoints/ep/served-models/gpt/other",
    "/serving-endpoints/ep/usage",
    "/serving-endpointsX/ep/invocations",
])
def test_other_paths_pass_through(path):
    assert match(path) is None
