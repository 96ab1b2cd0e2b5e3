"""The one executor of planned calls, with a fake handler table: announce order, dispatch by Api, refusals."""

from __future__ import annotations

import pytest

from pulumi_serving.payloads import api_paths
from pulumi_serving.plan import Call
from pulumi_serving.resources import executor

READ, WRITE = Call(api_paths.GET_ENDPOINT), Call(api_paths.PUT_CONFIG, ("config.served_entities",), {"v": 1})


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What happened, in order: each announced line and each handler's call."""
    seen: list[str] = []
    monkeypatch.setattr(executor.diagnostics, "info", lambda line: seen.append(f"info {line}"))
    return seen


def _table(events: list[str]) -> dict:
    def read(call: Call, run: dict) -> None:
        events.append("read")
        run["endpoint"] = {"id": "e1"}

    def write(call: Call, run: dict) -> None:
        events.append(f"write {call.body} after {run['endpoint']['id']}")  # sees what the read kept on the run

    return {api_paths.GET_ENDPOINT: read, api_paths.PUT_CONFIG: write}


def test_each_call_is_announced_then_sent_by_its_api_handler_in_plan_order(events: list[str]) -> None:
    run = executor.execute("ServingEndpoint ep", [READ, WRITE], _table(events), {})
    assert events == [
        "info ServingEndpoint ep: -> GET /api/2.0/serving-endpoints/{name}",
        "read",
        "info ServingEndpoint ep: config.served_entities -> PUT /api/2.0/serving-endpoints/{name}/config",
        "write {'v': 1} after e1",
    ]
    assert run == {"endpoint": {"id": "e1"}}  # the run is handed back as the handlers left it


def test_without_a_label_the_calls_are_sent_unannounced(events: list[str]) -> None:
    executor.execute(None, [READ, WRITE], _table(events), {})
    assert events == ["read", "write {'v': 1} after e1"]


def test_a_call_without_a_handler_is_refused_before_any_call_is_sent(events: list[str]) -> None:
    planned = [READ, Call(api_paths.PATCH_TAGS, ("tags",)), WRITE]
    with pytest.raises(executor.UnhandledCall, match=r"SecretAcl s/p: no handler for the planned PATCH .*/tags$"):
        executor.execute("SecretAcl s/p", planned, _table(events), {})
    assert events == []


def test_an_empty_plan_sends_nothing(events: list[str]) -> None:
    assert executor.execute("RateLimits ep", [], _table(events), {"kept": 1}) == {"kept": 1}
    assert events == []
