"""Pure recovery of interrupted creates: pending creates of an exported deployment -> recovered state entries."""

from __future__ import annotations

from pulumi_serving.payloads.names import secret_key_problem
from pulumi_serving.payloads.ownership import OWNER_ID_MAX, owner_id, scope_marker_key
from pulumi_serving.recovery import plan_recovery

PROVIDER = "urn:pulumi:dev::p::pulumi:providers:pulumi-python::default::1234"


def _res(kind: str, name: str, inputs: dict, **extra) -> dict:
    return {
        "urn": f"urn:pulumi:dev::p::pulumi-python:dynamic/serving:{kind}::{name}",
        "custom": True,
        "type": f"pulumi-python:dynamic/serving:{kind}",
        "inputs": {"__provider": "x", **inputs},
        "provider": PROVIDER,
        **extra,
    }


def _exported(resources: list, pending: list) -> dict:
    return {"version": 3, "deployment": {"manifest": {}, "resources": resources, "pending_operations": pending}}


def test_pending_creates_become_recovered_entries_with_their_deterministic_ids() -> None:
    scope = _res("SecretScope", "keys", {"scope": "keys"}, id="keys", outputs={"scope": "keys"})
    pending = [
        {"type": "creating", "resource": _res("ServingEndpoint", "a", {"endpoint_name": "a", "owner": "p/dev/x/a"})},
        {"type": "creating", "resource": _res("Secret", "keys/k", {"scope": "keys", "key": "k"})},
        {"type": "creating", "resource": _res("SecretAcl", "keys/u", {"scope": "keys", "principal": "u"})},
        {"type": "creating", "resource": _res("RateLimits", "a/rl", {"endpoint": "a"})},
        {"type": "creating", "resource": _res("EndpointsReady", "endpoints-ready", {"endpoints": []})},
        {"type": "updating", "resource": scope},
    ]
    plan = plan_recovery(_exported([scope], pending))
    assert [(p.kind, p.id) for p in plan.recovered] == [
        ("ServingEndpoint", "a"),
        ("Secret", "keys/k"),
        ("SecretAcl", "keys/u"),
        ("RateLimits", "a"),
    ]
    assert [p.kind for p in plan.dropped] == ["EndpointsReady"]
    deployment = plan.deployment["deployment"]
    assert [op["type"] for op in deployment["pending_operations"]] == ["updating"]  # only creates are resolved
    endpoint = deployment["resources"][1]
    assert endpoint["id"] == "a" and endpoint["outputs"]["__recovered"] is True
    assert endpoint["outputs"]["owner"] == "p/dev/x/a" and endpoint["outputs"]["__provider"] == "x"
    assert endpoint["provider"] == PROVIDER


def test_nothing_to_do_without_pending_creates_and_ids_that_cannot_be_known_are_dropped() -> None:
    assert not plan_recovery(_exported([], [])).changed
    assert not plan_recovery({"version": 3, "deployment": {"resources": []}}).changed
    secret_name = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "x"}
    same_id = _res("ServingEndpoint", "a", {"endpoint_name": "a"}, id="a", outputs={})
    plan = plan_recovery(
        _exported(
            [same_id],
            [
                {"type": "creating", "resource": _res("ServingEndpoint", "b", {"endpoint_name": secret_name})},
                {"type": "creating", "resource": _res("ServingEndpoint", "a", {"endpoint_name": "a"})},
            ],
        )
    )
    assert plan.recovered == [] and len(plan.dropped) == 2
    assert plan.deployment["deployment"]["pending_operations"] == []
    assert plan.deployment["deployment"]["resources"] == [same_id]


def test_an_interrupted_rename_is_recovered_beside_its_original_which_is_marked_for_deletion() -> None:
    original = _res("ServingEndpoint", "chat", {"endpoint_name": "old"}, id="old", outputs={"endpoint_name": "old"})
    renamed = _res("ServingEndpoint", "chat", {"endpoint_name": "new", "owner": "p/dev/x/chat"})
    plan = plan_recovery(_exported([original], [{"type": "creating", "resource": renamed}]))
    assert [(p.kind, p.id) for p in plan.recovered] == [("ServingEndpoint", "new")]
    old_entry, new_entry = plan.deployment["deployment"]["resources"]
    assert (old_entry["id"], old_entry.get("delete")) == ("old", True)
    assert (new_entry["id"], new_entry.get("delete"), new_entry["urn"]) == ("new", None, original["urn"])
    assert new_entry["outputs"]["__recovered"] is True
    assert original.get("delete") is None  # the input deployment is not modified


def test_owner_ids_are_bounded_and_scope_marker_keys_are_valid_secret_keys() -> None:
    owner = owner_id("proj", "dev", "SecretScope", "keys")
    assert owner == "proj/dev/SecretScope/keys"
    assert secret_key_problem(scope_marker_key(owner)) is None
    assert scope_marker_key(owner) != scope_marker_key(owner_id("proj", "prod", "SecretScope", "keys"))
    long = owner_id("p", "s", "ServingEndpoint", "n" * 5000)
    assert len(long) == OWNER_ID_MAX and long != owner_id("p", "s", "ServingEndpoint", "n" * 4999)


def test_a_file_backend_loses_only_the_attribute_sidecars_a_kill_left_broken(tmp_path) -> None:
    from pulumi_serving.recovery.file_backend import backend_dir, repair_file_backend

    stacks = tmp_path / ".pulumi" / "stacks" / "proj"
    stacks.mkdir(parents=True)
    (stacks / "dev.json").write_text("{}")
    (stacks / "dev.json.attrs").write_text("")  # what a SIGKILL between the two writes leaves
    (stacks / "dev.json.bak.attrs").write_text('{"user.cache_control": ""}')
    assert backend_dir(f"file://{tmp_path}") == tmp_path and backend_dir("postgres://h/db") is None
    assert repair_file_backend(f"file://{tmp_path}") == [stacks / "dev.json.attrs"]
    assert sorted(p.name for p in stacks.iterdir()) == ["dev.json", "dev.json.bak.attrs"]
    assert repair_file_backend("postgres://h/db") == [] and repair_file_backend(None) == []


def test_the_wrappers_check_before_every_command_repairs_sidecars_loading_nothing_else_of_recovery(tmp_path) -> None:
    import os
    import subprocess
    import sys

    stacks = tmp_path / ".pulumi" / "stacks" / "proj"
    stacks.mkdir(parents=True)
    (stacks / "dev.json.attrs").write_text("")
    env = {**os.environ, "PULUMI_BACKEND_URL": f"file://{tmp_path}"}
    command = [sys.executable, "-X", "importtime", "-m", "pulumi_serving.recovery", "--backend-only"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and not stacks.joinpath("dev.json.attrs").exists(), done.stderr
    assert "pulumi-serving: removed dev.json.attrs, left empty by an interrupted run" in done.stderr
    loaded = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "pulumi_serving.recovery.file_backend" in loaded and "pulumi_serving.recovery.runner" not in loaded


def test_a_file_backend_without_pending_creates_is_told_apart_without_the_cli(tmp_path):
    import json

    from pulumi_serving.recovery.file_backend import may_hold_pending_creates

    stacks = tmp_path / ".pulumi" / "stacks" / "serving"
    assert not may_hold_pending_creates(tmp_path)  # no stack yet
    stacks.mkdir(parents=True)

    def checkpoint(name: str, pending: list) -> None:
        latest = {"resources": [], "pending_operations": pending}
        (stacks / name).write_text(json.dumps({"version": 3, "checkpoint": {"stack": "dev", "latest": latest}}))

    checkpoint("dev.json", [{"type": "updating", "resource": {}}])
    checkpoint("prod.json.bak", [{"type": "creating", "resource": {}}])  # a backup is not the state
    (stacks / "dev.json.attrs").write_text("")
    assert not may_hold_pending_creates(tmp_path)
    checkpoint("staging.json", [{"type": "creating", "resource": {}}])
    assert may_hold_pending_creates(tmp_path)
    (stacks / "staging.json").write_text('{"version": 3, "checkp')  # half-written: the CLI decides
    assert may_hold_pending_creates(tmp_path)
    (stacks / "staging.json").unlink()
    (stacks / "qa.json.gz").write_bytes(b"\x1f\x8b")  # compressed: the CLI decides
    assert may_hold_pending_creates(tmp_path)
