"""Plans without noise: the readiness gate, tags by key, problems as one line each, diagnostics of the resource
they belong to (pure, or providers against the in-process serving API; no engine)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pulumi.dynamic import CheckFailure
from pulumi.output import Unknown

from pulumi_serving.payloads.tag_rules import tags_by_key
from pulumi_serving.plan import comparable_endpoint
from pulumi_serving.plan.gateway import plan_readiness
from pulumi_serving.resources.diagnostics import current_urn
from pulumi_serving.resources.provider_base import UNKNOWN, as_reported

WAITED = {"endpoints": [{"name": "ep", "config_version": 1}], "wait_timeout": 60}


def test_readiness_changes_only_when_what_it_waits_for_changes() -> None:
    # preview of an endpoint being updated: its config_version is not known yet, in either form
    for unknown in (UNKNOWN, Unknown()):
        preview = {**WAITED, "endpoints": [{"name": "ep", "config_version": unknown}]}
        assert not plan_readiness(WAITED, preview).has_changes
    assert not plan_readiness(WAITED, dict(WAITED)).has_changes
    assert plan_readiness(WAITED, {**WAITED, "endpoints": [{"name": "ep", "config_version": 2}]}).has_changes
    added = {**WAITED, "endpoints": [*WAITED["endpoints"], {"name": "other", "config_version": UNKNOWN}]}
    assert plan_readiness(WAITED, added).has_changes
    assert plan_readiness(WAITED, {**WAITED, "endpoints": []}).has_changes
    # up, an endpoint being replaced: the whole list (or one entry of it) is not known yet, so it is waited for
    for unknown in (UNKNOWN, Unknown()):
        assert plan_readiness(WAITED, {**WAITED, "endpoints": unknown}).has_changes
        assert plan_readiness(WAITED, {**WAITED, "endpoints": [unknown]}).has_changes
    assert not plan_readiness({"endpoints": []}, {"wait_timeout": 60}).has_changes


def test_tags_are_one_mapping_by_key_in_any_documented_form() -> None:
    assert tags_by_key([{"key": "b", "value": "2"}, {"key": "a"}]) == {"b": "2", "a": ""}
    assert tags_by_key({"team": "ml"}) == {"team": "ml"}
    # malformed or repeated keys are left for check to refuse, not silently merged
    assert tags_by_key([{"key": "a"}, {"key": "a", "value": "x"}]) == [{"key": "a"}, {"key": "a", "value": "x"}]
    assert tags_by_key([{"value": "no key"}]) == [{"value": "no key"}]
    assert tags_by_key("team=ml") == "team=ml"


def test_stored_tags_in_either_form_compare_equal() -> None:
    # states written before tags were kept by key hold the list form; both read as the same view
    listed = comparable_endpoint.stored({"endpoint_name": "ep", "tags": [{"key": "team", "value": "ml"}]})
    mapped = comparable_endpoint.stored({"endpoint_name": "ep", "tags": {"team": "ml"}})
    assert listed == mapped == {"endpoint_name": "ep", "tags": [{"key": "team", "value": "ml"}]}


def test_check_failures_carry_no_property_so_no_value_is_printed_in_go_syntax() -> None:
    reported = as_reported([CheckFailure("config", "config.served_entities[0].name: required")])
    assert [(f.property, f.reason) for f in reported] == [("", "config.served_entities[0].name: required")]


def test_the_urn_of_the_request_being_served_is_found_up_the_stack() -> None:
    class Request:
        urn = "urn:pulumi:dev::proj::pulumi-python:dynamic/serving:ServingEndpoint::ep"

    def serve(request: Request) -> str:  # stands for the dynamic provider host's gRPC handler
        return provider_method()

    def provider_method() -> str:
        return current_urn()

    assert serve(Request()) == Request.urn
    assert current_urn() == ""


def test_only_the_program_process_hides_interrupt_tracebacks() -> None:
    from pulumi_serving.quiet_interrupt import is_program_process

    exec_line = ["/venv/bin/python", "-u", "/opt/pulumi/bin/pulumi-language-python-exec", "--monitor", "x"]
    assert is_program_process(exec_line)
    assert not is_program_process(["/venv/bin/python", "-m", "pulumi.dynamic", "127.0.0.1:1"])
    assert not is_program_process(["/venv/bin/python", "-m", "pytest"]) and not is_program_process([])


def test_the_provider_host_reports_expected_failures_by_message_and_bugs_with_their_traceback() -> None:
    import traceback
    import types

    from pulumi_serving.client import AlreadyExists
    from pulumi_serving.expected_errors import install

    host = types.ModuleType("host")  # stands for pulumi.dynamic's __main__ in an SDK that sends tracebacks
    host.traceback = traceback  # type: ignore[attr-defined]
    host._abort_with_traceback = lambda fn: fn  # type: ignore[attr-defined]
    assert install(host) and not install(host)  # once
    assert not install(types.ModuleType("older_sdk"))  # nothing to change where messages are sent already

    def reported(error: Exception) -> str:
        try:
            raise error
        except Exception:
            return host.traceback.format_exc()  # type: ignore[attr-defined]

    taken = AlreadyExists(409, "RESOURCE_ALREADY_EXISTS", "serving endpoint 'ep' already exists; set adopt=True")
    assert reported(taken) == str(taken)
    assert reported(KeyError("__provider")).startswith("Traceback (most recent call last):")


def _served(urn: str, work: Callable[[], Any]) -> Any:
    """``work`` run as the dynamic provider host runs a request for the resource ``urn`` (diagnostics find the
    URN on the request being served)."""

    class Request:
        pass

    request = Request()
    request.urn = urn  # type: ignore[attr-defined]
    return work()


def _checked_as_the_engine_does(provider, urn: str, olds: dict, news: dict):
    return _served(urn, lambda: provider.check(olds, news))


def test_a_renamed_adopted_endpoint_previews_as_a_plain_create(inprocess_server_factory, capsys) -> None:
    from pulumi_serving.resources import ServingEndpointProvider
    from tests.support.payloads import openai_entity
    from tests.support.providers import configured

    provider = configured(ServingEndpointProvider, inprocess_server_factory())
    entity = openai_entity("main", {"openai_api_key": "{{secrets/keys/openai}}"})
    adopted = {"endpoint_name": "bob-chat", "config": {"served_entities": [entity]}, "adopt": True}
    adopted["known_secrets"] = ["keys/openai"]
    renamed = {**adopted, "endpoint_name": "team-chat"}
    urn = "urn:pulumi:dev::infra::pulumi-python:dynamic/serving:ServingEndpoint::"

    # entering the stack with adopt, nothing to adopt: the preview says `up` creates it
    _checked_as_the_engine_does(provider, urn + "new-chat", {}, renamed)
    assert "adopt: no serving endpoint 'team-chat' on the server: `up` creates it" in capsys.readouterr().err

    # a rename: Pulumi checks with the last-applied inputs, then again without them for the replacement
    _checked_as_the_engine_does(provider, urn + "bob-chat", adopted, renamed)
    assert not _checked_as_the_engine_does(provider, urn + "bob-chat", {}, renamed).failures
    assert "adopt:" not in capsys.readouterr().err


def test_the_readiness_wait_shows_as_its_resources_status_and_ends_in_one_diagnostic(
    inprocess_server_factory, monkeypatch
) -> None:
    from pulumi_serving.resources import EndpointsReadyProvider, ServingEndpointProvider, diagnostics
    from tests.support.payloads import openai_entity
    from tests.support.providers import configured

    server = inprocess_server_factory(update_delay=0.6)
    endpoint = configured(ServingEndpointProvider, server)
    inputs = {
        "endpoint_name": "ep",
        "config": {"served_entities": [openai_entity("main", {"openai_api_key_plaintext": "sk-x"})]},
    }
    created = endpoint.create(endpoint.check({}, inputs).inputs)

    sent: list = []

    class Engine:  # the engine's Log service, as the provider host reaches it
        def Log(self, request) -> None:
            sent.append(request)

    monkeypatch.setattr(diagnostics, "_ENGINE", [Engine()])
    urn = "urn:pulumi:dev::infra::pulumi-python:dynamic/serving:EndpointsReady::endpoints-ready"
    gate = {"endpoints": [{"name": "ep", "config_version": created.outs["config_version"]}], "wait_timeout": 30.0}
    _served(urn, lambda: configured(EndpointsReadyProvider, server).create(gate))

    assert sent and {r.urn for r in sent} == {urn}  # the resource's own, not the stack's raw stderr
    *waiting, ready = sent
    assert waiting and all(
        r.ephemeral and r.message.startswith("EndpointsReady: waiting for endpoint 'ep'") for r in waiting
    )
    assert not ready.ephemeral and re.fullmatch(r"EndpointsReady: endpoint 'ep' is ready after [0-9.]+s", ready.message)


def test_the_stack_exports_endpoint_values_as_one_output_unknown_while_one_endpoint_is(pulumi_mocks) -> None:
    import pulumi

    from pulumi_serving import ServingEndpoint
    from pulumi_serving.stack.program import endpoint_outputs

    entity = {"name": "gpt", "external_model": {"name": "m", "provider": "openai", "task": "llm/v1/chat"}}

    @pulumi.runtime.test
    def run():
        endpoint = ServingEndpoint("ep", endpoint_name="ep", wait=False, served_entities=[entity])
        exported = endpoint_outputs(["ep"], [endpoint])
        # a preview: the endpoint's config_version is not known, so neither is the whole map (Pulumi leaves it
        # out of the plan's Outputs instead of showing `~ ep: { }`)
        return pulumi.Output.all(exported.is_known(), endpoint.config_version.is_known()).apply(check)

    def check(known: list[bool]) -> None:
        assert known == [False, False]

    run()


def test_a_provider_host_letting_failures_reach_grpc_ends_expected_ones_with_their_message(monkeypatch) -> None:
    import types

    import pytest
    from grpc import _server

    from pulumi_serving.client import AlreadyExists
    from pulumi_serving.expected_errors import install

    taken = AlreadyExists(409, "RESOURCE_ALREADY_EXISTS", "serving endpoint 'ep' already exists; set adopt=True")

    class Aborted(Exception):
        pass

    class Context:
        def abort(self, code, details):
            self.status = (code.name, details)
            raise Aborted

    def call_behavior(rpc_event, state, behavior, argument, request_deserializer, send_response_callback=None):
        return behavior(argument, state)  # gRPC's server calls each handler with the request and its context

    monkeypatch.setattr(_server, "_call_behavior", call_behavior)
    host = types.ModuleType("host")  # stands for pulumi.dynamic's __main__ in an SDK that lets exceptions reach gRPC
    host.DynamicResourceProviderServicer = object  # type: ignore[attr-defined]
    assert not install(types.ModuleType("not_the_provider_host"))
    assert install(host) and not install(host)  # once

    def create(request, context):
        raise taken

    def delete(request, context):
        raise KeyError("__provider")

    context = Context()
    with pytest.raises(Aborted):
        _server._call_behavior(None, context, create, "request", None)
    assert context.status == ("UNKNOWN", str(taken))  # the message alone: no "Exception calling application"
    with pytest.raises(KeyError):  # a bug keeps gRPC's own report (with its traceback in the log)
        _server._call_behavior(None, Context(), delete, "request", None)
    assert _server._call_behavior(None, Context(), lambda request, context: "read", "request", None) == "read"
