"""Which paths the data plane's front door answers (the rest go to the FastAPI app), and which access-log
lines it leaves out."""

from __future__ import annotations

import logging

import pytest

from pulumi_serving.server.gateway.dispatch import QuietAccessLog, _by_model, match


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
def test_openai_aliases_route_by_the_body_model(alias):
    assert match(f"/serving-endpoints/{alias}") is _by_model


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


class _Recorder(logging.Logger):
    def __init__(self) -> None:
        super().__init__("uvicorn.access")
        self.lines: list[tuple[object, ...]] = []

    def info(self, msg: object, *args: object, **kwargs: object) -> None:
        self.lines.append(args)


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
    recorder = _Recorder()
    quiet = QuietAccessLog(recorder)
    quiet.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", method, path, "1.1", status)
    assert recorder.lines == ([("127.0.0.1:5000", method, path, "1.1", status)] if logged else [])
    assert quiet.name == "uvicorn.access"  # anything else is the wrapped logger's
