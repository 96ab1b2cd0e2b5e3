"""Pure server logic: the settle-on-read state machine, views without write-only fields, tags, crypto."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from pulumi_serving.payloads.server_behaviour import ENDPOINT_ECHO_DEFAULTS, default_routes
from pulumi_serving.server.crypto import SecretBox
from pulumi_serving.server.endpoint_documents import (
    detailed_view,
    merge_tags,
    settle,
    summary_view,
)


def _doc(pending_ready_at: int | None, live: bool = False) -> dict:
    entity = {
        "name": "e",
        "external_model": {
            "provider": "openai",
            "name": "m",
            "task": "llm/v1/chat",
            "openai_config": {"openai_api_key_plaintext": "sealed:v1:xxx"},
        },
        "burst_scaling_enabled": True,
    }
    stored = {
        "config_version": 1,
        "served_entities": [entity],
        "start_time": 1,
        "ready_at": 5,
        "creator": "u",
        "traffic_config": default_routes(["e"]),
    }
    return {
        "name": "n",
        "id": "i",
        "creator": "u",
        "creation_timestamp": 1,
        "last_updated_timestamp": 1,
        "description": "",
        "config": stored if live else None,
        "tags": [],
        "pending": {**stored, "config_version": 2, "ready_at": pending_ready_at} if pending_ready_at else None,
    }


def test_settle_promotes_pending_only_after_ready_at():
    doc = _doc(pending_ready_at=100)
    assert settle(doc, 99) is doc
    settled = settle(doc, 100)
    assert settled["pending"] is None and settled["config"]["config_version"] == 2
    assert doc["pending"] is not None  # the input is not mutated


def test_detailed_view_states_and_write_only_fields():
    creating = detailed_view(_doc(pending_ready_at=10))
    assert creating["state"] == {"ready": "NOT_READY", "config_update": "IN_PROGRESS"}
    assert "config" not in creating and creating["pending_config"]["start_time"] == 1
    updating = detailed_view(_doc(pending_ready_at=10, live=True), "CAN_VIEW")
    assert updating["state"] == {"ready": "READY", "config_update": "IN_PROGRESS"}
    assert updating["permission_level"] == "CAN_VIEW"
    entity = updating["config"]["served_entities"][0]
    assert entity["external_model"]["openai_config"] == {} and "burst_scaling_enabled" not in entity
    assert entity["state"]["deployment"] == "DEPLOYMENT_READY"
    assert updating["pending_config"]["served_entities"][0]["state"]["deployment"] == "DEPLOYMENT_CREATING"
    summary = summary_view(_doc(pending_ready_at=None, live=True))
    assert set(summary["config"]["served_entities"][0]) == {"name", "external_model"}
    assert "sealed" not in repr(summary)


def test_detailed_view_echoes_defaults_of_fields_not_sent():
    view = detailed_view(_doc(pending_ready_at=None))
    assert {k: view[k] for k in ENDPOINT_ECHO_DEFAULTS} == {"description": "", "route_optimized": False}
    sent = detailed_view({**_doc(pending_ready_at=None), "route_optimized": True, "description": "d"})
    assert (sent["route_optimized"], sent["description"]) == (True, "d")


def test_default_routes_and_tags():
    assert default_routes(["a", "b"]) is None
    assert default_routes(["a"])["routes"][0] == {
        "served_entity_name": "a",
        "served_model_name": "a",
        "traffic_percentage": 100,
    }
    tags = [{"key": "b", "value": "1"}, {"key": "c"}]
    assert merge_tags(tags, [{"key": "a", "value": "x"}, {"key": "b", "value": "2"}], ["c", "zz"]) == [
        {"key": "a", "value": "x"},
        {"key": "b", "value": "2"},
    ]


def test_secret_box_binds_context(tmp_path):
    box = SecretBox.for_data_dir(tmp_path)
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
    sealed = box.seal(b"value", "secret:s/k")
    assert b"value" not in sealed and box.open(sealed, "secret:s/k") == b"value"
    with pytest.raises(InvalidTag):
        box.open(sealed, "secret:s/other")
    assert SecretBox.for_data_dir(tmp_path).open(sealed, "secret:s/k") == b"value"  # key reused, not regenerated
