"""Which paths the data-plane fast path answers (the rest go to the FastAPI app)."""

from __future__ import annotations

import logging

import pytest

from pulumi_serving.server.gateway.dispatch import ACCESS_LOG_FILTER, match
from pulumi_serving.server.gateway.http_api import alias_handlers


@pytest.mark.parametrize(
    "path",
    [
        "/serving-endpoints/ep/invocations",
        "/serving-endpoints/ep/served-models/gpt/invocations",
        "/serving-endpoints/chat/invocations",
    ],
)
def test_invocation_paths_have_a_handler(path):
    assert match(path) is not None


@pytest.mark.parametrize("alias", ["completions", "chat/completions", "embeddings"])
def test_openai_aliases_map_to_their_route_handlers(alias):
    assert match(f"/serving-endpoints/{alias}") is alias_handlers[alias]


@pytest.mark.parametrize(
    "path",
    [
        "/api/2.0/serving-endpoints/ep/invocations",
        "/serving-endpoints//invocations",
        "/serving-endpoints/ep/invocations/",
        "/serving-endpoints/ep",
        "/serving-endpoints/ep/served-models//invocations",
        "/serving-endpoints/ep/served-models/gpt/other",
        "/serving-endpoints/ep/usage",
        "/serving-endpointsX/ep/invocations",
    ],
)
def test_other_paths_pass_through(path):
    assert match(path) is None


def _access_line(method: str, path: str, status: int) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", method, path, "1.1", status),
        None,
    )


@pytest.mark.parametrize(
    ("method", "path", "status", "logged"),
    [
        ("POST", "/serving-endpoints/ep/invocations", 200, False),
        ("POST", "/serving-endpoints/chat/completions?x=1", 200, False),
        ("POST", "/serving-endpoints/ep/invocations", 429, True),
        ("POST", "/serving-endpoints/ep/invocations", 502, True),
        ("GET", "/api/2.0/serving-endpoints/ep", 200, True),
        ("POST", "/api/2.0/serving-endpoints", 200, True),
    ],
)
def test_access_log_leaves_out_only_successful_data_plane_calls(method, path, status, logged):
    assert ACCESS_LOG_FILTER in logging.getLogger("uvicorn.access").filters
    assert ACCESS_LOG_FILTER.filter(_access_line(method, path, status)) is logged
