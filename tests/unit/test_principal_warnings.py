"""Principal names a reviewer could misread are flagged: in the plans of SecretScopeAcls and EndpointPermissions
(pure), and in the adopt warnings and first previews of the providers, against the real local server."""

from __future__ import annotations

from pulumi_serving.plan import plan_permissions
from pulumi_serving.plan.scope_acls import diff_scope_acls
from pulumi_serving.resources import EndpointPermissionsProvider, SecretScopeProvider
from pulumi_serving.resources.secret_acl import SecretAclProvider
from pulumi_serving.resources.secret_scope_acls import SecretScopeAclsProvider, describe
from tests.support.providers import configured

CYRILLIC_A = "\u0430"
POSER = f"{CYRILLIC_A}lice"  # Cyrillic a + "lice"


def _acls(*grants: tuple[str, str]) -> dict:
    return {"scope": "s", "acls": [{"principal": p, "permission": level} for p, level in grants]}


def test_a_scope_acl_plan_flags_a_new_name_that_reads_like_a_granted_one():
    plan = diff_scope_acls(_acls(("alice", "MANAGE")), _acls(("alice", "MANAGE"), (POSER, "READ")))
    assert plan.warnings == [
        f"acls: principal {POSER!a} mixes Cyrillic and Latin letters; reads like 'alice'; check it is the principal "
        "you mean"
    ]
    assert plan.describe()[0].startswith("warning: acls: principal")
    assert diff_scope_acls(_acls(("alice", "MANAGE")), _acls(("alice", "MANAGE"), ("bob", "READ"))).warnings == []
    assert diff_scope_acls(_acls(("Bob", "READ")), _acls(("Bob", "WRITE"), ("bob", "READ"))).warnings == [
        "acls: principal 'Bob' reads like 'bob'; check it is the principal you mean",
        "acls: principal 'bob' reads like 'Bob'; check it is the principal you mean",
    ]


def test_an_endpoint_permissions_plan_flags_a_new_look_alike_grant():
    olds = {"endpoint": "ep", "access_control_list": [{"user_name": "alice", "permission_level": "CAN_MANAGE"}]}
    news = {
        "endpoint": "ep",
        "access_control_list": [
            {"user_name": "alice", "permission_level": "CAN_MANAGE"},
            {"group_name": f"ops-te{CYRILLIC_A}m", "permission_level": "CAN_QUERY"},
        ],
    }
    assert plan_permissions(olds, news).warnings == [
        "access_control_list: principal 'ops-te\\u0430m' mixes Cyrillic and Latin letters; check it is the "
        "principal you mean"
    ]


def test_describe_flags_grants_that_read_like_another_principal():
    grants = [{"principal": POSER, "permission": "MANAGE"}, {"principal": "bob", "permission": "READ"}]
    assert describe(grants, ["alice"]) == (
        f"{POSER} MANAGE (warning: mixes Cyrillic and Latin letters; reads like 'alice'), bob READ"
    )


def test_adopt_warnings_and_first_previews_flag_look_alike_principals(inprocess_server_factory, capsys):
    server = inprocess_server_factory()
    with server.client() as admin:
        assert admin.post("/api/2.0/secrets/scopes/create", json={"scope": "shared"}).status_code == 200
        for principal in (POSER, "alice", f"{CYRILLIC_A}dmin"):
            put = {"scope": "shared", "principal": principal, "permission": "READ"}
            assert admin.post("/api/2.0/secrets/acls/put", json=put).status_code == 200
    configured(SecretScopeProvider, server).check({}, {"scope": "shared", "adopt": True})
    adopt = capsys.readouterr().err
    assert f"{POSER} READ (warning: mixes Cyrillic and Latin letters; reads like 'alice')" in adopt
    assert "alice READ (warning: reads like '\\u0430lice')" in adopt  # either may be the impostor: the escape shows
    # the third round's case: a foreign grant to a Cyrillic-a `admin` no longer reads like the caller's own
    assert f"{CYRILLIC_A}dmin READ (warning: mixes Cyrillic and Latin letters; reads like 'admin')" in adopt
    configured(SecretAclProvider, server).check(
        {}, {"scope": "shared", "principal": f"{CYRILLIC_A}dmin", "permission": "READ"}
    )
    assert "principal '\\u0430dmin' mixes Cyrillic and Latin letters; reads like 'admin'" in capsys.readouterr().err
    acls = [{"principal": "alice", "permission": "READ"}, {"principal": "Alice", "permission": "READ"}]
    configured(SecretScopeAclsProvider, server).check({}, {"scope": "shared", "acls": acls})
    assert "acls: principal 'Alice' reads like 'alice'" in capsys.readouterr().err
    acl = [
        {"group_name": "ops", "permission_level": "CAN_QUERY"},
        {"user_name": "\u0430dmin", "permission_level": "CAN_QUERY"},
    ]
    assert (
        not configured(EndpointPermissionsProvider, server)
        .check({}, {"endpoint": "ep", "access_control_list": acl})
        .failures
    )
    previewed = capsys.readouterr().err
    assert (
        "access_control_list: principal '\\u0430dmin' mixes Cyrillic and Latin letters; reads like 'admin'" in previewed
    )
    assert "'ops'" not in previewed
