"""Replays what the databricks/cli acceptance tests recorded real workspaces answering (``scenarios/*.json``,
docs/fidelity.md) against the local serving API over real HTTP, comparing each status and every recorded field."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support.recorded import Bindings, Scenario, all_scenarios, fields_compared
from tests.support.server import LiveServer

SCENARIOS = all_scenarios()
#: the deployer the recordings ran as: a service principal that is a workspace admin (named by its application id)
DEPLOYER = "7c0a5f9e-3b1d-4c2a-9e8f-5d6b4a3c2b1a"


@pytest.fixture(scope="module")
def deployer(live_server: LiveServer) -> Iterator[httpx.Client]:
    token = live_server.mint_token(DEPLOYER, groups=("admins",), service_principal=True)
    with live_server.client(token) as client:
        yield client


def test_scenarios_are_there() -> None:
    assert len(SCENARIOS) >= 11
    assert sum(fields_compared(step) for s in SCENARIOS for step in s.steps) >= 200


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_replay(scenario: Scenario, deployer: httpx.Client) -> None:
    bindings = Bindings({"UNIQUE_NAME": uuid.uuid4().hex[:12], "USERNAME": DEPLOYER, **scenario.given})
    for number, step in enumerate(scenario.steps, 1):
        where = f"{scenario.name} step {number}: {step.method} {step.path}"
        answer = deployer.request(
            step.method, bindings.fill(step.path), params=bindings.fill(step.query), json=bindings.fill(step.body)
        )
        assert answer.status_code == step.status, (
            f"{where}: {answer.status_code}, recorded {step.status}: {answer.text}"
        )
        problems = bindings.match("answer", step.response or {}, answer.json())
        for field, items in (step.includes or {}).items():
            problems += bindings.includes(f"answer.{field}", items, answer.json().get(field, []))
        assert not problems, f"{where} differs from the recording ({scenario.recording}):\n" + "\n".join(problems)
