"""Adopting a scope shows the grants on it the stack does not declare, unless a SecretScopeAcls of the stack
declares its grants (``acls_declared``, which the stack file sets with ``authoritative_acls``)."""

from __future__ import annotations

from pulumi_serving.resources import SecretScopeProvider
from tests.support.providers import configured

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
