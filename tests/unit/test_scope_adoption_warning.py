"""Adopting a scope shows the grants on it the stack does not declare, unless a SecretScopeAcls of the stack
declares its grants (``acls_declared``, which the stack file sets with ``authoritative_acls``); the grants the
program's SecretAcls declare on it (``known_grants``) are never reported."""

from __future__ import annotations

import pulumi

from pulumi_serving.resources import SecretScopeProvider
from pulumi_serving.resources.provider_base import HIDDEN_INPUTS
from tests.support.providers import configured
from tests.support.pulumi_mocks import Recorder

UNDECLARED = "adopting it keeps grants this stack does not declare: bob MANAGE"


def test_the_undeclared_grants_warning_is_left_out_when_the_stack_declares_the_acls(inprocess_server_factory, capsys):
    server = inprocess_server_factory()
    with server.client(server.mint_token("bob")) as bob:
        assert bob.post("/api/2.0/secrets/scopes/create", json={"scope": "team"}).status_code == 200
    provider = configured(SecretScopeProvider, server)

    provider.check({}, {"scope": "team", "adopt": True})
    assert UNDECLARED in capsys.readouterr().err

    provider.check({}, {"scope": "team", "adopt": True, "acls_declared": True})
    shown = capsys.readouterr().err
    assert "team" in shown and "grants this stack does not declare" not in shown  # the adoption itself still shows


def test_grants_the_programs_secret_acls_declare_on_the_scope_are_not_reported(inprocess_server_factory, capsys):
    server = inprocess_server_factory()
    with server.client(server.mint_token("bob")) as bob:
        assert bob.post("/api/2.0/secrets/scopes/create", json={"scope": "shared_keys"}).status_code == 200
        grant = {"scope": "shared_keys", "principal": "platform-team", "permission": "MANAGE"}
        assert bob.post("/api/2.0/secrets/acls/put", json=grant).status_code == 200
    provider = configured(SecretScopeProvider, server)

    provider.check({}, {"scope": "shared_keys", "adopt": True})
    assert "grants this stack does not declare: bob MANAGE, platform-team MANAGE" in capsys.readouterr().err

    result = provider.check({}, {"scope": "shared_keys", "adopt": True, "known_grants": [grant]})
    shown = capsys.readouterr().err
    assert not result.failures and "grants this stack does not declare: bob MANAGE (" in shown, shown
    assert "platform-team" not in shown


def test_a_scope_keeps_the_grants_the_programs_secret_acls_declare_on_it(pulumi_mocks: Recorder) -> None:
    from pulumi_serving import SecretAcl, SecretScope

    # scope and principal names of this test only: the program's grants are kept process-wide

    @pulumi.runtime.test
    def run():
        keys = SecretScope("keys", scope="kept_grants_keys", adopt=True)
        other = SecretScope("other", scope="kept_grants_other")
        # declared after the scope, by its output or by its name, and still known to it
        SecretAcl("by-output", scope=keys.scope, principal="platform-team", permission="MANAGE")
        SecretAcl("by-name", scope="kept_grants_keys", principal="kept-grants-readers", permission="READ")
        SecretAcl("elsewhere", scope=other.scope, principal="kept-grants-readers", permission="WRITE")
        return pulumi.Output.all(keys.scope, other.scope).apply(lambda _: check())

    def check() -> None:
        assert pulumi_mocks.inputs["keys"][HIDDEN_INPUTS["known_grants"]] == [
            {"scope": "kept_grants_keys", "principal": "kept-grants-readers", "permission": "READ"},
            {"scope": "kept_grants_keys", "principal": "platform-team", "permission": "MANAGE"},
        ]
        assert pulumi_mocks.inputs["other"][HIDDEN_INPUTS["known_grants"]] == [
            {"scope": "kept_grants_other", "principal": "kept-grants-readers", "permission": "WRITE"}
        ]

    run()
