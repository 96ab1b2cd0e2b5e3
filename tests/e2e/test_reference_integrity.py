"""Reference integrity through the real Pulumi CLI (decision 17): a Python program dropping the grant its principal
reads a referenced scope through, or the scope itself, is refused at preview naming the endpoint and the
reference, and the grant and scope stay; a stack file doing so is refused too unless the endpoint opts in; refresh
warns about a reference that no longer resolves and preview repeats the warning until it is fixed."""

from __future__ import annotations

import pytest

from tests.support.inventory import scopes_on, secret_keys_on
from tests.support.payloads import chat_config
from tests.support.pulumi_stack import REPO_ROOT, python_program
from tests.support.stack_program import PROGRAM_FILES, declare

pytestmark = pytest.mark.e2e

SCOPE = "legacy_scope"
REF = f"{{{{secrets/{SCOPE}/k}}}}"

PROGRAM = """\
import pulumi
from pulumi_serving import Secret, SecretAcl, SecretScope, ServingEndpoint

config = pulumi.Config()
{declarations}
ServingEndpoint(
    "chat",
    endpoint_name="ref-chat",
    wait=False,
    tags={{"team": "platform"}},  # the documented mapping form (issue 19's program)
    served_entities=[{{
        "name": "gpt",
        "external_model": {{
            "name": "gpt-4o-mini", "provider": "openai", "task": "llm/v1/chat",
            "openai_config": {{"openai_api_key": {reference}}},
        }},
    }}],
)
"""
SCOPE_AND_KEY = (
    f'scope = SecretScope("legacy", scope="{SCOPE}", adopt=True)\n'
    'key = Secret("legacy-key", scope=scope.scope, key="k", string_value=config.require_secret("key"))\n'
)
GRANT = 'SecretAcl("platform-team", scope=scope.scope, principal="platform-team", permission="MANAGE")\n'
DECLARED = PROGRAM.format(declarations=SCOPE_AND_KEY + GRANT, reference="key.config_reference")
REVOKED = PROGRAM.format(declarations=SCOPE_AND_KEY, reference="key.config_reference")
DROPPED = PROGRAM.format(declarations="", reference=repr(REF))


def test_a_program_dropping_a_referenced_scope_or_its_grant_is_refused_and_refresh_warns_about_broken_references(
    pulumi_stack_factory, inprocess_live_server, tmp_path
):
    """The program runs as a non-admin principal whose only access to the scope bob made is its group's grant."""
    with inprocess_live_server.client(inprocess_live_server.mint_token("bob@example.com")) as api:
        api.post("/api/2.0/secrets/scopes/create", json={"scope": SCOPE}).raise_for_status()
        grant = {"scope": SCOPE, "principal": "platform-team", "permission": "MANAGE"}
        api.post("/api/2.0/secrets/acls/put", json=grant).raise_for_status()
    program = python_program(tmp_path, "refs", DECLARED)
    stack = pulumi_stack_factory(
        program,
        config={"serving:host": inprocess_live_server.url},
        secrets={
            "serving:token": inprocess_live_server.mint_token("platform", groups=["platform-team"]),
            "key": "sk-r",
        },
    )
    adopted = stack.up()
    # the adopted scope's grants: bob's is not declared; platform-team's is, by the program's SecretAcl
    undeclared = [line for line in adopted.output.splitlines() if "grants this stack does not declare" in line]
    assert undeclared and all("platform-team" not in line for line in undeclared), adopted.output
    with inprocess_live_server.client() as api:
        endpoint = api.get("/api/2.0/serving-endpoints/ref-chat").json()
    assert {"key": "team", "value": "platform"} in endpoint["tags"]

    (stack.workdir / "__main__.py").write_text(REVOKED)
    refused = stack.preview(check=False)
    assert refused.returncode != 0
    assert (
        f"this update revokes platform-team's MANAGE on secret scope '{SCOPE}', through which the stack's "
        "principal 'platform' reads it, while endpoint 'ref-chat' still references the scope"
    ) in refused.output, refused.output
    assert "allow_broken_references=True in a program" in refused.output

    (stack.workdir / "__main__.py").write_text(DROPPED)
    refused = stack.preview(check=False)
    assert refused.returncode != 0
    assert (
        f"this update deletes secret scope '{SCOPE}' (no longer declared in the stack) while endpoint 'ref-chat' "
        f"still references {REF}"
    ) in refused.output, refused.output
    assert "Change the endpoint's reference in the same update" in refused.output
    assert "opt in with allow_broken_references: true" in refused.output
    assert stack.up(check=False).returncode != 0
    assert SCOPE in scopes_on(inprocess_live_server) and secret_keys_on(inprocess_live_server, SCOPE) == ["k"]
    with inprocess_live_server.client() as api:
        held = api.get("/api/2.0/secrets/acls/get", params={"scope": SCOPE, "principal": "platform-team"})
    assert held.json()["permission"] == "MANAGE"

    # Back to the declared program; the secret is deleted behind Pulumi's back.
    (stack.workdir / "__main__.py").write_text(DECLARED)
    stack.preview(expect_no_changes=True)
    with inprocess_live_server.client() as api:
        api.post("/api/2.0/secrets/delete", json={"scope": SCOPE, "key": "k"}).raise_for_status()
    warning = f"warning: endpoint 'ref-chat' references {REF}, but secret 'k' no longer exists in scope '{SCOPE}'"
    assert warning in stack.refresh().output
    assert warning in stack.preview().output  # repeated until fixed
    stack.up()  # recreates the secret (refresh dropped it from the state)
    assert warning not in stack.preview(expect_no_changes=True).output


def test_a_stack_file_dropping_a_referenced_scope_is_refused_unless_the_endpoint_opts_in(
    program_stack, inprocess_live_server
):
    stack = program_stack(inprocess_live_server, {"serving:team_key": "sk-t"})
    scope = {"scope": "team_scope", "secrets": [{"key": "k", "value_from": "team_key"}]}
    endpoint = {
        "name": "team-chat",
        "config": chat_config("{{secrets/team_scope/k}}"),
    }
    declare(stack, scopes=[scope], endpoints=[endpoint])
    stack.up()
    with inprocess_live_server.client() as api:  # a secret someone put into the scope by hand
        api.post("/api/2.0/secrets/put", json={"scope": "team_scope", "key": "handmade", "string_value": "x"})
    stack.run("config", "rm", "serving:scopes")
    stack.run("config", "rm", "serving:team_key")  # its value_from is gone with the scope
    refused = stack.preview(check=False)
    assert refused.returncode != 0
    assert "deletes secret scope 'team_scope'" in refused.output and "endpoint 'team-chat'" in refused.output
    declare(stack, endpoints=[{**endpoint, "allow_broken_references": True}])
    opted_in = stack.up()
    assert (
        "warning: this update deletes secret scope 'team_scope', and with it the secrets it holds that this stack "
        "does not manage: handmade"
    ) in opted_in.output, opted_in.output
    assert "team_scope" not in scopes_on(inprocess_live_server)


def test_a_stack_file_dropping_the_grant_its_principal_reads_a_referenced_scope_through_is_refused(
    pulumi_stack_factory, inprocess_live_server
):
    """The stack runs as a non-admin principal whose only access to a scope bob made is its group's grant."""
    bob = inprocess_live_server.mint_token("bob@example.com")
    platform = inprocess_live_server.mint_token("platform", groups=["platform-team"])
    with inprocess_live_server.client(bob) as api:
        api.post("/api/2.0/secrets/scopes/create", json={"scope": "shared_keys"}).raise_for_status()
        api.post("/api/2.0/secrets/put", json={"scope": "shared_keys", "key": "k", "string_value": "x"})
        grant = {"scope": "shared_keys", "principal": "platform-team", "permission": "MANAGE"}
        api.post("/api/2.0/secrets/acls/put", json=grant).raise_for_status()
    stack = pulumi_stack_factory(
        REPO_ROOT,
        include=PROGRAM_FILES,
        config={"serving:host": inprocess_live_server.url},
        secrets={"serving:token": platform},
    )
    scope = {"scope": "shared_keys", "adopt": True, "acls": [{"principal": "platform-team", "permission": "MANAGE"}]}
    endpoint = {
        "name": "shared-chat",
        "config": chat_config("{{secrets/shared_keys/k}}"),
    }
    declare(stack, scopes=[scope], endpoints=[endpoint])
    stack.up()
    declare(stack, scopes=[{**scope, "acls": []}])
    refused = stack.preview(check=False)
    assert refused.returncode != 0
    assert (
        "this update revokes platform-team's MANAGE on secret scope 'shared_keys', through which the stack's "
        "principal 'platform' reads it, while endpoint 'shared-chat' still references the scope"
    ) in refused.output, refused.output
    with inprocess_live_server.client() as api:
        held = api.get("/api/2.0/secrets/acls/get", params={"scope": "shared_keys", "principal": "platform-team"})
    assert held.json()["permission"] == "MANAGE"
    declare(stack, scopes=[scope])
    stack.preview(expect_no_changes=True)
