"""The planner's table covers every field of the serving and secrets APIs' create and update requests; the
planners read their reasons and calls from it; docs show it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pulumi_serving.payloads import api_paths, endpoints, secrets
from pulumi_serving.plan import fields, plan_acl, plan_scope, plan_secret
from pulumi_serving.plan.fields import RULES, covered_api_fields, rule_for
from pulumi_serving.plan.fields_doc import render
from pulumi_serving.plan.model import Call, Replace
from pulumi_serving.plan.scope_acls import diff_scope_acls
from pulumi_serving.resources import SecretScopeProvider

DOC = Path(__file__).resolve().parents[2] / "docs" / "planner.md"
REQUEST_MODELS = (
    endpoints.CreateServingEndpoint,
    endpoints.EndpointCoreConfigInput,
    endpoints.AiGatewayConfig,
    endpoints.PatchTagsRequest,
    endpoints.PatchNotificationsRequest,
    endpoints.PatchTelemetryRequest,
    endpoints.PermissionsRequest,
    endpoints.PutRateLimitsRequest,
    secrets.CreateScope,
    secrets.PutSecret,
    secrets.PutAcl,
    secrets.DeleteAcl,  # sent by a scope's update when initial_manage_principal is removed
)  # DeleteScope and DeleteSecret are sent only when a resource is destroyed: no field of them is planned


def test_every_request_field_has_a_row() -> None:
    fields = {f"{model.__name__}.{name}" for model in REQUEST_MODELS for name in model.model_fields}
    assert fields - covered_api_fields() == set()
    assert covered_api_fields() - fields == set()  # rows name real request fields only


def test_every_row_has_exactly_one_handling_and_is_found_by_its_field() -> None:
    for rule in RULES:
        assert sum(x is not None for x in (rule.call, rule.replace, rule.reject)) == 1, rule
        assert rule_for(rule.resource, rule.field) is rule
        assert rule.unset_call is None or rule.call is not None, rule  # a removal call only beside a call


SCOPE, ACL = {"scope": "s"}, {"scope": "s", "principal": "p", "permission": "READ"}
SECRET = {"scope": "s", "key": "k", "string_value": "v"}


def test_secret_planners_take_their_replace_reasons_from_the_table() -> None:
    reason = {(r.resource, r.field): r.replace for r in RULES}
    assert plan_secret(SECRET, {**SECRET, "scope": "t", "key": "l"}).replaces == [
        Replace("scope", "scope", reason["Secret", "scope"]),
        Replace("key", "key", reason["Secret", "key"]),
    ]
    assert plan_scope(SCOPE, {"scope": "t"}).replaces == [Replace("scope", "scope", reason["SecretScope", "scope"])]
    assert plan_acl(ACL, {**ACL, "principal": "q"}).replaces == [
        Replace("principal", "principal", reason["SecretAcl", "principal"])
    ]


def test_secret_planners_send_each_field_with_the_call_of_its_row() -> None:
    secret = {**SECRET, "value_kind": "string", "fingerprint_salt": "00", "value_fingerprint": "other"}
    assert plan_secret(secret, {**SECRET, "string_value": None, "bytes_value": "dg=="}).calls == [
        Call(rule_for("Secret", "bytes_value").call, ("bytes_value",)),
        Call(api_paths.LIST_SECRETS),
    ]
    principal = rule_for("SecretScope", "initial_manage_principal")
    assert plan_scope(SCOPE, {**SCOPE, "initial_manage_principal": "users"}).calls == [
        Call(principal.call, ("initial_manage_principal",))
    ]
    assert plan_scope({**SCOPE, "initial_manage_principal": "users"}, SCOPE).calls == [
        Call(principal.unset_call, ("initial_manage_principal",))
    ]
    assert principal.unset_call == api_paths.DELETE_ACL  # removing the principal revokes its grant
    assert plan_acl(ACL, {**ACL, "permission": "MANAGE"}).calls == [
        Call(rule_for("SecretAcl", "permission").call, ("permission",))
    ]


def test_a_changed_row_changes_what_the_secret_planners_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """The planners hold no reason or call of their own: editing a row is enough."""

    def edit(rule: fields.FieldRule) -> fields.FieldRule:
        if rule.replace:
            return dataclasses.replace(rule, replace=f"edited: {rule.replace}")
        unset = api_paths.GET_PERMISSIONS if rule.unset_call else None
        return dataclasses.replace(rule, call=api_paths.GET_ENDPOINT, unset_call=unset) if rule.call else rule

    monkeypatch.setattr(fields, "RULES", tuple(edit(r) for r in RULES))
    replaces = [
        *plan_secret(SECRET, {**SECRET, "scope": "t", "key": "l"}).replaces,
        *plan_scope(SCOPE, {"scope": "t"}).replaces,
        *plan_acl(ACL, {"scope": "t", "principal": "q", "permission": "READ"}).replaces,
    ]
    assert len(replaces) == 5 and all(r.reason.startswith("edited: ") for r in replaces)
    secret = {**SECRET, "value_kind": "string", "fingerprint_salt": "00", "value_fingerprint": "other"}
    assert plan_secret(secret, SECRET).calls[0].api == api_paths.GET_ENDPOINT
    assert plan_scope(SCOPE, {**SCOPE, "initial_manage_principal": "users"}).calls[0].api == api_paths.GET_ENDPOINT
    assert plan_scope({**SCOPE, "initial_manage_principal": "users"}, SCOPE).calls[0].api == api_paths.GET_PERMISSIONS
    assert plan_acl(ACL, {**ACL, "permission": "WRITE"}).calls[0].api == api_paths.GET_ENDPOINT


GRANTS = {"scope": "s", "acls": [{"principal": "bob", "permission": "READ"}]}
REGRANTED = {"scope": "s", "acls": [{"principal": "carol", "permission": "MANAGE"}]}  # bob revoked, carol added


def test_scope_acls_planner_takes_its_reason_and_calls_from_the_table() -> None:
    scope, acls = rule_for("SecretScopeAcls", "scope"), rule_for("SecretScopeAcls", "acls")
    assert diff_scope_acls(GRANTS, {**GRANTS, "scope": "t"}).replaces == [Replace("scope", "scope", scope.replace)]
    assert scope.replace == "the grants belong to one scope"  # the reason preview showed before the row held it
    assert diff_scope_acls(GRANTS, REGRANTED).calls == [
        Call(acls.call, ("acls[carol]",)),
        Call(acls.unset_call, ("acls[bob]",)),
    ]
    assert (acls.call, acls.unset_call) == (api_paths.PUT_ACL, api_paths.DELETE_ACL)  # a removed grant is revoked


def test_a_changed_row_changes_what_the_scope_acls_planner_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    """The planner holds no reason or call of its own: editing a row is enough."""

    def edit(rule: fields.FieldRule) -> fields.FieldRule:
        if rule.resource != "SecretScopeAcls":
            return rule
        if rule.replace:
            return dataclasses.replace(rule, replace=f"edited: {rule.replace}")
        return dataclasses.replace(rule, call=api_paths.GET_ENDPOINT, unset_call=api_paths.GET_PERMISSIONS)

    monkeypatch.setattr(fields, "RULES", tuple(edit(r) for r in RULES))
    assert diff_scope_acls(GRANTS, {**GRANTS, "scope": "t"}).replaces == [
        Replace("scope", "scope", "edited: the grants belong to one scope")
    ]
    assert diff_scope_acls(GRANTS, REGRANTED).calls == [
        Call(api_paths.GET_ENDPOINT, ("acls[carol]",)),
        Call(api_paths.GET_PERMISSIONS, ("acls[bob]",)),
    ]


def test_a_scope_backend_other_than_databricks_is_rejected_with_the_reason_of_its_row() -> None:
    failures = SecretScopeProvider().check_inputs({}, {"scope": "s", "backend_type": "AZURE_KEYVAULT"})
    reason = rule_for("SecretScope", "backend_type").reject
    assert [(f.property, f.reason) for f in failures] == [
        ("backend_type", f"backend_type: {reason} (got 'AZURE_KEYVAULT')")
    ]
    assert reason == "only DATABRICKS scopes can be declared"  # the message preview showed before the row held it


def test_docs_show_the_table() -> None:
    assert DOC.read_text() == render(), (
        "docs/planner.md is stale: run .venv/bin/python -m pulumi_serving.plan.fields_doc"
    )
