"""The planner's field matrix through the real Pulumi CLI, for what the engine adds to the providers' answers: the
plan reviewers read for a tag change, the replacement of a renamed description (delete first, the endpoint's rate
limits and grants following the new endpoint), and a grant made behind Pulumi's back shown by refresh and removed by
up. Every field of the matrix, each changed on its own, is driven through the providers in process by
tests/api/test_provider_field_matrix.py."""

from __future__ import annotations

import copy
import re
from collections import Counter

import pytest

from pulumi_serving.fake_upstream.process import running_fake_upstream
from tests.support.field_matrix import ENDPOINT, KEY, MATRIX, SCOPES, announced, grants, query, set_field, take_writes
from tests.support.stack_program import declare

pytestmark = pytest.mark.e2e

TAGS = next(row for row in MATRIX if row[0] == "tags")


def test_a_tag_change_and_a_replacement_are_sent_by_their_planned_calls(
    program_stack, inprocess_server_factory, tmp_path
):
    with running_fake_upstream() as fake:
        server = inprocess_server_factory(update_delay=0.2, upstreams=(f"openai={fake.url}",))
        app_user = server.mint_token("ann", groups=["apps"])
        log = tmp_path / "calls.log"
        stack = program_stack(server, {"serving:openai_key": KEY}, env={"PULUMI_SERVING_CALL_LOG": str(log)})
        endpoint = copy.deepcopy(ENDPOINT)
        declare(stack, scopes=SCOPES, endpoints=[endpoint])
        stack.up()
        stack.preview(expect_no_changes=True)
        stack.refresh(expect_no_changes=True)
        live, granted = grants(server)
        assert live["description"] == "first" and {"group_name": "apps", "permission_level": "CAN_QUERY"} in granted
        assert query(server, app_user) == 200  # a member of apps may query

        # a tag: the plan reviewers read (no internal inputs, no cosmetic removals), then its one planned call
        _, change, expected, shows = TAGS
        change(endpoint)
        declare(stack, endpoints=[endpoint])
        preview = stack.preview().output
        assert "~ tags[team].value -> PATCH /api/2.0/serving-endpoints/{name}/tags" in preview, preview
        assert not re.search(r"dynamic/serving:(RateLimits|EndpointPermissions)", preview), preview
        shown = preview.split("dynamic/serving:ServingEndpoint: (update)")[1].split("dynamic/serving:")[0]
        for clutter in ("wait", "adopt", "ai_gateway", "pending", "route_optimized"):
            assert clutter not in shown, (clutter, shown)
        take_writes(log)  # only the up's own calls count
        up = stack.up()
        writes = take_writes(log)
        live, granted = grants(server)
        assert writes == expected, (writes, up.output)
        assert Counter(writes) == Counter(announced(up.output, live["id"])), up.output
        assert shows(live, granted), (live, granted)
        stack.preview(expect_no_changes=True)

        # the description: a replacement, the old endpoint deleted first; its rate limits and grants follow
        set_field("description", "second")(endpoint)
        declare(stack, endpoints=[endpoint])
        up = stack.up()
        writes = take_writes(log)
        assert "replaced" in up.output and "delete-first" in up.output, up.output
        assert "DELETE /api/2.0/serving-endpoints/matrix" in writes and "POST /api/2.0/serving-endpoints" in writes
        live, granted = grants(server)
        assert live["description"] == "second" and live["ai_gateway"]["rate_limits"][0]["calls"] == 20, live
        assert {"group_name": "apps", "permission_level": "CAN_QUERY"} in granted, granted
        assert query(server, app_user) == 200
        stack.preview(expect_no_changes=True)

        # drift: a grant made behind Pulumi's back shows on refresh and up removes it
        with server.client() as api:
            api.patch(
                f"/api/2.0/permissions/serving-endpoints/{live['id']}",
                json={"access_control_list": [{"user_name": "mallory", "permission_level": "CAN_MANAGE"}]},
            ).raise_for_status()
        drift = stack.refresh("--diff")
        assert "mallory" in drift.output, drift.output
        stack.up()
        assert not any(g.get("user_name") == "mallory" for g in grants(server)[1])
        stack.preview(expect_no_changes=True)
        assert KEY not in stack.export_text()
