"""Authoritative scope ACLs: what a declaration grants and revokes, never locking the caller out."""

from __future__ import annotations

from pulumi_serving.payloads import api_paths
from pulumi_serving.plan.scope_acls import Caller, apply_calls, apply_steps, diff_scope_acls, undeclared, visible

ADMIN = Caller("admin", frozenset({"admins"}))
ALICE = Caller("alice", frozenset({"ml"}))


def g(principal: str, permission: str) -> dict[str, str]:
    return {"principal": principal, "permission": permission}


def test_undeclared_grants_are_revoked_and_declared_ones_put():
    live = [g("admin", "MANAGE"), g("bob", "MANAGE"), g("ml", "WRITE")]
    declared = [g("ml", "READ"), g("carol", "READ")]
    assert undeclared(declared, live, ADMIN) == [g("bob", "MANAGE"), g("ml", "WRITE")]
    puts, revokes = apply_steps(declared, live, ADMIN)
    assert puts == [g("carol", "READ"), g("ml", "READ")]
    assert revokes == ["bob"]  # the caller's own grant stays


def test_the_steps_as_calls_put_each_grant_then_revoke_each_principal():
    live = [g("admin", "MANAGE"), g("bob", "MANAGE")]
    calls = apply_calls([g("carol", "READ")], live, ADMIN)
    assert [(c.api, c.fields, c.body) for c in calls] == [
        (api_paths.PUT_ACL, ("acls[carol]",), g("carol", "READ")),
        (api_paths.DELETE_ACL, ("acls[bob]",), "bob"),
    ]


def test_a_caller_that_would_lose_manage_keeps_it_under_its_own_name():
    live = [g("users", "MANAGE")]  # alice manages the scope only through 'users'
    puts, revokes = apply_steps([g("ml", "READ")], live, ALICE)
    assert puts == [g("alice", "MANAGE"), g("ml", "READ")] and revokes == ["users"]
    puts, revokes = apply_steps([g("ml", "MANAGE")], live, ALICE)  # MANAGE through a group of hers: enough
    assert puts == [g("ml", "MANAGE")] and revokes == ["users"]
    assert apply_steps([], [g("alice", "READ")], ALICE) == ([g("alice", "MANAGE")], [])


def test_the_callers_own_grant_is_not_drift():
    assert visible([g("admin", "MANAGE"), g("bob", "READ")], ADMIN) == [g("bob", "READ")]


def test_diff_names_each_principal():
    olds = {"scope": "s", "acls": [g("bob", "MANAGE"), g("ml", "READ")]}
    plan = diff_scope_acls(olds, {"scope": "s", "acls": [g("ml", "READ")]})
    assert plan.describe() == ["~ acls[bob] -> POST /api/2.0/secrets/acls/delete"]
    assert not diff_scope_acls(olds, {"scope": "s", "acls": list(reversed(olds["acls"]))}).has_changes
    assert diff_scope_acls(olds, {"scope": "t", "acls": []}).replace_properties == ["scope"]
