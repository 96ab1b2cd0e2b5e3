"""EndpointPermissions rules: authoritative direct grants, the caller's own CAN_MANAGE is never removed."""

from __future__ import annotations

from pulumi_serving.payloads import api_paths
from pulumi_serving.plan import plan_permissions
from pulumi_serving.plan.permissions import caller_rejections, direct_grants, grants, managed_view, set_body

APPS_QUERY = {"group_name": "apps", "permission_level": "CAN_QUERY"}
ME_MANAGE = {"user_name": "me", "permission_level": "CAN_MANAGE"}


def test_grants_are_sorted_and_a_principal_named_twice_keeps_its_highest_level() -> None:
    assert grants(
        [
            APPS_QUERY,
            {"group_name": "apps", "permission_level": "CAN_VIEW"},
            {"user_name": "ann", "permission_level": "CAN_VIEW"},
        ]
    ) == [APPS_QUERY, {"user_name": "ann", "permission_level": "CAN_VIEW"}]


def test_direct_grants_leave_inherited_ones_out() -> None:
    response = {
        "access_control_list": [
            {"user_name": "me", "all_permissions": [{"permission_level": "CAN_MANAGE", "inherited": False}]},
            {"group_name": "admins", "all_permissions": [{"permission_level": "CAN_MANAGE", "inherited": True}]},
            {"group_name": "apps", "all_permissions": [{"permission_level": "CAN_QUERY", "inherited": False}]},
        ]
    }
    assert direct_grants(response) == [APPS_QUERY, ME_MANAGE]


def test_the_callers_can_manage_is_kept_and_hidden_unless_declared() -> None:
    live = [APPS_QUERY, ME_MANAGE, {"user_name": "intruder", "permission_level": "CAN_MANAGE"}]
    assert set_body([APPS_QUERY], live, "me") == {"access_control_list": [APPS_QUERY, ME_MANAGE]}
    assert set_body([], live, "someone-else") == {"access_control_list": []}
    assert managed_view(live, [APPS_QUERY], "me") == [APPS_QUERY, live[2]]
    assert managed_view(live, [APPS_QUERY, ME_MANAGE], "me") == live


def test_declaring_the_caller_below_can_manage_is_rejected() -> None:
    lowered = [{"user_name": "me", "permission_level": "CAN_VIEW"}]
    assert [r.path for r in caller_rejections(lowered, "me")] == ["access_control_list[0]"]
    assert caller_rejections([ME_MANAGE, APPS_QUERY], "me") == [] and caller_rejections(lowered, "other") == []


def test_plans() -> None:
    olds = {"endpoint": "ep", "endpoint_id": "id1", "access_control_list": [APPS_QUERY]}
    assert not plan_permissions(olds, {"endpoint": "ep", "access_control_list": [APPS_QUERY]}).has_changes
    lowered = plan_permissions(
        olds, {"endpoint": "ep", "access_control_list": [{"group_name": "apps", "permission_level": "CAN_VIEW"}]}
    )
    assert [str(c.api) for c in lowered.calls] == [str(api_paths.GET_PERMISSIONS), str(api_paths.SET_PERMISSIONS)]
    assert lowered.calls[-1].fields == ("access_control_list[0].permission_level",)
    recreated = plan_permissions(olds, {"endpoint": "ep", "endpoint_id": "id2", "access_control_list": [APPS_QUERY]})
    assert recreated.calls[-1].fields == ("endpoint_id",)
    assert plan_permissions(olds, {"endpoint": "other", "access_control_list": []}).replace_properties == ["endpoint"]


def test_an_endpoint_id_not_known_yet_changes_nothing() -> None:
    from pulumi.output import Unknown

    olds = {"endpoint": "ep", "endpoint_id": "id1", "access_control_list": [APPS_QUERY]}
    assert not plan_permissions(
        olds, {"endpoint": "ep", "endpoint_id": Unknown(), "access_control_list": [APPS_QUERY]}
    ).has_changes
