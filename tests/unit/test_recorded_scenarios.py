"""The comparison behind the fidelity replay (tests/support/recorded.py): what it binds, what it reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.recorded import Bindings, all_scenarios, fields_compared, load


def test_recorded_fields_are_compared_and_others_ignored() -> None:
    bindings = Bindings({"UNIQUE_NAME": "u1"})
    answer = {"name": "ep-u1", "route_optimized": False, "extra": 1, "state": {"ready": "NOT_READY", "x": 2}}
    assert bindings.match("answer", {"name": "ep-[UNIQUE_NAME]", "state": {"ready": "NOT_READY"}}, answer) == []
    assert bindings.match("answer", {"route_optimized": False, "missing": 1}, answer) == [
        "answer.missing: missing (recorded 1)"
    ]
    assert bindings.match("answer", {"route_optimized": 0}, answer)  # false is not 0
    assert bindings.match("answer", {"name": "ep-other"}, answer)


def test_placeholders_bind_once_with_their_kind_and_never_share_a_value() -> None:
    bindings = Bindings({"USERNAME": "sp"})
    now = 1_796_625_224_562
    recorded = {"id": "[ENDPOINT_ID_1]", "created": "[UNIX_TIME_MILLIS_0]", "updated": "[UNIX_TIME_MILLIS_0]"}
    assert bindings.match("a", recorded, {"id": "abc", "created": now, "updated": now}) == []
    assert bindings.values["ENDPOINT_ID_1"] == "abc"
    assert bindings.fill("/permissions/[ENDPOINT_ID_1]") == "/permissions/abc"
    assert bindings.match("a", {"updated": "[UNIX_TIME_MILLIS_0]"}, {"updated": now + 1})  # must equal the bound one
    assert "two values" in bindings.match("a", {"id": "[ENDPOINT_ID_2]"}, {"id": "abc"})[0]
    assert bindings.match("a", {"t": "[UNIX_TIME_MILLIS_1]"}, {"t": now // 1000})  # seconds are not milliseconds
    assert bindings.match("a", {"id": "[ENDPOINT_ID_3]"}, {"id": ""})
    with pytest.raises(KeyError, match="VERSION"):
        bindings.fill({"entity_version": "[VERSION]"})


def test_lists_are_sets_of_the_recorded_length_and_includes_selects() -> None:
    acls = [{"principal": "b", "permission": "WRITE"}, {"principal": "a", "permission": "MANAGE"}]
    bindings = Bindings()
    assert bindings.match("a", {"items": list(reversed(acls))}, {"items": acls}) == []
    assert "1 items, recorded 2" in bindings.match("a", {"items": acls}, {"items": acls[:1]})[0]
    assert bindings.includes("a.scopes", [{"name": "a"}], [{"name": "z"}, {"name": "a", "backend_type": "X"}]) == []
    assert bindings.includes("a.scopes", [{"name": "q"}], [{"name": "z"}])


def test_scenarios_load_and_a_misspelt_step_is_refused(tmp_path: Path) -> None:
    scenarios = all_scenarios()
    assert all(s.steps and s.recording.startswith("databricks/cli@") for s in scenarios)
    assert all(fields_compared(step) >= 1 for s in scenarios for step in s.steps)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"recording": "r", "steps": [{"call": "GET /x", "status": 200, "respons": {}}]}))
    with pytest.raises(ValueError, match="respons"):
        load(bad)
