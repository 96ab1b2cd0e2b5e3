"""Reference integrity (decision 17): the pure rules refusing an update that deletes a referenced scope or secret or
the grant the stack reads it through, the references found in a stored view, and which scopes and grants a Python
program's endpoint knows as declared (mocks)."""

from __future__ import annotations

import pulumi

from pulumi_serving.plan.parsed_endpoint import ParsedEndpoint
from pulumi_serving.plan.references import (
    OPT_IN,
    GrantChange,
    dropped_references,
    endpoint_grant_change,
    references_in,
    revoked_reads,
)
from pulumi_serving.plan.scope_acls import Caller
from pulumi_serving.resources.provider_base import HIDDEN_INPUTS
from tests.support.payloads import chat_config
from tests.support.pulumi_mocks import Recorder

KNOWN_SCOPES, KNOWN_SECRETS = HIDDEN_INPUTS["known_scopes"], HIDDEN_INPUTS["known_secrets"]
KNOWN_GRANTS = HIDDEN_INPUTS["known_grants"]

REF = "{{secrets/legacy_scope/k}}"


def _props(ref: str = REF, **options: object) -> dict:
    config = chat_config(ref)
    return {"endpoint_name": "chat", "config": config, **options}


def test_a_scope_the_stack_stops_declaring_is_refused_naming_endpoint_reference_and_ways_out() -> None:
    olds = _props(known_scopes=["legacy_scope"])
    [dropped] = dropped_references(olds, ParsedEndpoint(_props()))
    assert dropped.path == "config.served_entities[0].external_model.openai_config.openai_api_key"
    message = dropped.message("chat")
    assert "deletes secret scope 'legacy_scope'" in message and "endpoint 'chat'" in message and REF in message
    assert "Change the endpoint's reference in the same update" in message and f"{OPT_IN}: true" in message


def test_a_secret_the_stack_stops_declaring_is_refused() -> None:
    olds = _props(known_secrets=["legacy_scope/k"], known_scopes=["legacy_scope"])
    [dropped] = dropped_references(olds, ParsedEndpoint(_props(known_scopes=["legacy_scope"])))
    assert dropped.kind == "secret" and "deletes secret 'legacy_scope/k'" in dropped.message("chat")


def test_what_is_not_refused() -> None:
    olds = _props(known_scopes=["legacy_scope"], known_secrets=["legacy_scope/k"])
    assert (
        dropped_references(
            olds, ParsedEndpoint(_props(known_scopes=["legacy_scope"], known_secrets=["legacy_scope/k"]))
        )
        == []
    )
    # the endpoint changes its reference in the same update
    assert dropped_references(olds, ParsedEndpoint(_props("{{secrets/new_scope/k}}"))) == []
    # the explicit opt-in
    assert dropped_references(olds, ParsedEndpoint(_props(**{OPT_IN: True}))) == []
    # a first deployment, and a scope this stack never declared (managed elsewhere)
    assert dropped_references({}, ParsedEndpoint(_props())) == []
    assert dropped_references(_props(), ParsedEndpoint(_props())) == []


def test_references_in_a_stored_view() -> None:
    view = {
        "served_entities": [
            {"name": "a", "external_model": {"openai_config": {"openai_api_key": REF}}},
            {"name": "b", "environment_vars": {"TOKEN": "{{secrets/s2/t}}", "PLAIN": "x"}},
        ]
    }
    assert [str(r) for r in references_in(view)] == [REF, "{{secrets/s2/t}}"]
    assert references_in(None) == []


def test_a_program_endpoint_knows_the_scopes_it_uses_that_the_program_declares(pulumi_mocks: Recorder) -> None:
    from pulumi_serving import Secret, SecretAcl, SecretScope, ServingEndpoint

    def model(key: object) -> dict:
        return {"name": "gpt", "provider": "openai", "task": "llm/v1/chat", "openai_config": {"openai_api_key": key}}

    @pulumi.runtime.test
    def run():
        managed = SecretScope("managed", scope="managed_scope")
        adopted = SecretScope("adopted", scope="adopted_scope", adopt=True)
        listed = SecretScope("listed", scope="listed_scope")
        key = Secret("key", scope=managed.scope, key="k", string_value="sk-x")
        by_secret = ServingEndpoint(
            "by-secret",
            endpoint_name="a",
            wait=False,
            served_entities=[{"external_model": model(key.config_reference)}],
        )
        by_scope = ServingEndpoint(
            "by-scope",
            endpoint_name="b",
            wait=False,
            served_entities=[{"external_model": model(adopted.config_reference("made_elsewhere"))}],
        )
        by_dependency = ServingEndpoint(
            "by-dependency",
            endpoint_name="c",
            wait=False,
            served_entities=[{"external_model": model("{{secrets/listed_scope/k}}")}],
            opts=pulumi.ResourceOptions(depends_on=[listed]),
        )
        # declared after the endpoints, and still known to them
        SecretAcl("team-read", scope=listed.scope, principal="team", permission="READ")
        SecretAcl("ml-manage", scope="adopted_scope", principal="ml", permission="MANAGE")
        outputs = [e.endpoint_name for e in (by_secret, by_scope, by_dependency)]
        return pulumi.Output.all(*outputs).apply(lambda _: check())

    def check() -> None:  # options are stored under their hidden names (no plan lists them)
        assert pulumi_mocks.inputs["by-secret"][KNOWN_SCOPES] == ["managed_scope"]
        assert pulumi_mocks.inputs["by-secret"][KNOWN_SECRETS] == ["managed_scope/k"]
        by_scope = pulumi_mocks.inputs["by-scope"]
        assert by_scope[KNOWN_SCOPES] == ["adopted_scope"]
        assert by_scope["config"]["served_entities"][0]["external_model"]["openai_config"]["openai_api_key"] == (
            "{{secrets/adopted_scope/made_elsewhere}}"
        )
        assert pulumi_mocks.inputs["by-dependency"][KNOWN_SCOPES] == ["listed_scope"]
        grants = [g for g in pulumi_mocks.inputs["by-secret"][KNOWN_GRANTS] if g["principal"] in ("team", "ml")]
        assert grants == [
            {"scope": "adopted_scope", "principal": "ml", "permission": "MANAGE"},
            {"scope": "listed_scope", "principal": "team", "permission": "READ"},
        ]
        assert pulumi_mocks.inputs["by-scope"][KNOWN_GRANTS] == pulumi_mocks.inputs["by-secret"][KNOWN_GRANTS]

    run()


def test_dropping_the_grant_the_stack_reads_a_referenced_scope_through_is_refused() -> None:
    caller = Caller("platform", frozenset({"platform-team"}))
    grant = {"scope": "s", "principal": "platform-team", "permission": "MANAGE"}
    other = {"scope": "s", "principal": "ml", "permission": "READ"}
    live = {"s": [{"principal": "bob", "permission": "MANAGE"}, {"principal": "platform-team", "permission": "MANAGE"}]}
    [revoked] = revoked_reads([grant, other], [other], live, caller, {"s": ["chat"]})
    message = revoked.message("platform")
    assert "revokes platform-team's MANAGE on secret scope 's'" in message
    assert "endpoint 'chat' still references the scope" in message
    two = revoked_reads([grant], [], live, caller, {"s": ["chat", "batch"]})[0].message("platform")
    assert "endpoints 'batch', 'chat' still reference the scope" in two
    assert f"{OPT_IN}: true" in message and f"{OPT_IN}=True in a program" in message
    # not refused: the grant is kept, no endpoint uses the scope, another grant still gives access, an admin
    assert revoked_reads([grant], [grant], live, caller, {"s": ["chat"]}) == []
    assert revoked_reads([grant], [], live, caller, {}) == []
    with_own = {"s": [*live["s"], {"principal": "platform", "permission": "READ"}]}
    assert revoked_reads([grant], [], with_own, caller, {"s": ["chat"]}) == []
    assert revoked_reads([other], [], live, caller, {"s": ["chat"]}) == []  # not the caller's grant
    admin = Caller("root", frozenset({"admins", "platform-team"}))
    assert revoked_reads([grant], [], live, admin, {"s": ["chat"]}) == []


def test_an_endpoint_sees_the_program_grants_dropped_on_the_scopes_it_references() -> None:
    grant = {"scope": "legacy_scope", "principal": "platform-team", "permission": "MANAGE"}
    elsewhere = {"scope": "other_scope", "principal": "platform-team", "permission": "READ"}
    olds = _props(known_grants=[grant, elsewhere])
    change = endpoint_grant_change(olds, ParsedEndpoint(_props(known_grants=[])))
    assert change == GrantChange([grant], [], {"legacy_scope": ["chat"]})  # only the scope its config uses
    assert change.touched() == ["legacy_scope"]
    moved = {**grant, "principal": "ml"}  # the SecretAcl's principal changed: the old grant is deleted
    assert endpoint_grant_change(olds, ParsedEndpoint(_props(known_grants=[moved]))) == GrantChange(
        [grant], [moved], {"legacy_scope": ["chat"]}
    )
    # nothing to check: kept (permission changed), an unreferenced scope, the reference changed too, opted in,
    # a first deployment, a state from before known_grants
    assert endpoint_grant_change(olds, ParsedEndpoint(_props(known_grants=[{**grant, "permission": "READ"}]))) is None
    assert endpoint_grant_change(olds, ParsedEndpoint(_props(known_grants=[grant]))) is None
    assert endpoint_grant_change(olds, ParsedEndpoint(_props("{{secrets/new_scope/k}}", known_grants=[]))) is None
    assert endpoint_grant_change(olds, ParsedEndpoint(_props(known_grants=[], **{OPT_IN: True}))) is None
    assert endpoint_grant_change({}, ParsedEndpoint(_props(known_grants=[]))) is None
    assert endpoint_grant_change(_props(), ParsedEndpoint(_props(known_grants=[]))) is None
