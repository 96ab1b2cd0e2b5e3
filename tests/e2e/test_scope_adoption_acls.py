"""Adopting a scope shows who else holds it, and SecretScopeAcls makes its grants authoritative, through the
real Pulumi CLI: bob pre-creates the scope the admin's stack adopts; preview, up and refresh name bob's
MANAGE; declaring SecretScopeAcls lists it as revoked at preview and removes it on up; a grant added behind
the stack's back is drift that the next up revokes."""

from __future__ import annotations

import pytest

from tests.support.payloads import create_body, entity
from tests.support.pulumi_stack import python_program
from tests.support.stack_program import declare

pytestmark = pytest.mark.e2e

KEY = "sk-adopted-scope-31f0"
SCOPE = "team_shared"
PROGRAM = """
import pulumi
from pulumi_serving.resources import Secret, SecretScope, SecretScopeAcls

config = pulumi.Config()
scope = SecretScope("shared", scope="team_shared", adopt=True)
Secret("key", scope=scope.scope, key="openai_api_key", string_value=config.require_secret("openaiKey"),
       opts=pulumi.ResourceOptions(depends_on=[scope]))
if config.get_bool("authoritative"):
    SecretScopeAcls("shared-acls", scope=scope.scope, acls=[{"principal": "ml-team", "permission": "READ"}],
                    opts=pulumi.ResourceOptions(depends_on=[scope]))
"""
BOB_GRANT = "grants this stack does not declare: bob MANAGE"
REF = "{{secrets/team_shared/openai_api_key}}"


def test_adopted_scope_shows_and_then_revokes_bobs_grant(pulumi_stack_factory, inprocess_server_factory, tmp_path):
    server = inprocess_server_factory()
    with server.client(server.mint_token("bob")) as bob:
        assert bob.post("/api/2.0/secrets/scopes/create", json={"scope": SCOPE}).status_code == 200

    def grants() -> list[dict]:
        with server.client() as admin:
            return admin.get("/api/2.0/secrets/acls/list", params={"scope": SCOPE}).json()["items"]

    stack = pulumi_stack_factory(
        python_program(tmp_path, "adopt-program", PROGRAM),
        config={"serving:host": server.url},
        secrets={"serving:token": server.admin_token, "openaiKey": KEY},
    )
    assert f"adopting it keeps {BOB_GRANT}" in stack.preview().output
    assert f"adopting it kept {BOB_GRANT}" in stack.up().output
    assert f"it has {BOB_GRANT}" in stack.refresh().output
    assert grants() == [{"principal": "bob", "permission": "MANAGE"}]  # adopting alone changes no grant
    bob_token = server.mint_token("bob")
    with server.client(bob_token) as bob:  # bob still reads the admin's key: his endpoint may use it
        config = {"openai_api_key": REF, "openai_api_base": "http://127.0.0.1:9/v1"}
        body = create_body("bob-ep", entity("e", "openai", "gpt-4", "llm/v1/chat", **config))
        assert bob.post("/api/2.0/serving-endpoints", json=body).status_code == 200

    stack.set_config({"authoritative": "true"})
    preview = stack.preview()
    assert "SecretScopeAcls team_shared: grants not declared, revoked on up: bob MANAGE" in preview.output
    stack.up()
    assert grants() == [{"principal": "ml-team", "permission": "READ"}]
    with server.client(bob_token) as bob:  # bob no longer reads the admin's key, nor does his endpoint
        assert bob.get("/api/2.0/secrets/list", params={"scope": SCOPE}).status_code == 403
        refused = bob.post(
            "/serving-endpoints/bob-ep/invocations", json={"messages": [{"role": "user", "content": "hi"}]}
        )
        assert refused.status_code == 403 and "owner bob no longer has READ" in refused.json()["message"]
    stack.preview(expect_no_changes=True)
    stack.refresh(expect_no_changes=True)

    with server.client() as admin:  # behind the stack's back
        admin.post("/api/2.0/secrets/acls/put", json={"scope": SCOPE, "principal": "bob", "permission": "READ"})
    drift = stack.refresh()
    assert "acls" in drift.output and "bob" in drift.output, drift.output
    stack.up()
    assert grants() == [{"principal": "ml-team", "permission": "READ"}]
    for text in (preview.output, drift.output, stack.export_text()):
        assert KEY not in text and server.admin_token not in text


def test_a_stack_file_makes_an_adopted_scopes_grants_authoritative(program_stack, inprocess_server_factory):
    server = inprocess_server_factory()
    with server.client(server.mint_token("bob")) as bob:
        assert bob.post("/api/2.0/secrets/scopes/create", json={"scope": SCOPE}).status_code == 200
    stack = program_stack(server, {"serving:shared_key": KEY})
    scope = {
        "scope": SCOPE,
        "adopt": True,
        "secrets": [{"key": "k", "value_from": "shared_key"}],
        "acls": [{"principal": "ml-team", "permission": "READ"}],
    }
    declare(stack, scopes=[scope])
    assert f"adopting it keeps {BOB_GRANT}" in stack.preview().output
    stack.up()
    with server.client() as admin:  # SecretAcl resources add grants and leave bob's
        assert {
            a["principal"] for a in admin.get("/api/2.0/secrets/acls/list", params={"scope": SCOPE}).json()["items"]
        } == {"bob", "ml-team"}
    declare(stack, scopes=[{**scope, "authoritative_acls": True}])
    stack.up()
    with server.client() as admin:
        assert admin.get("/api/2.0/secrets/acls/list", params={"scope": SCOPE}).json()["items"] == [
            {"principal": "ml-team", "permission": "READ"}
        ]
    stack.preview(expect_no_changes=True)
