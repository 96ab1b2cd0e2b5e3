"""Ownership markers and lost answers: the providers called directly against a real local server.

A create that finds its object already there takes it over only when the object carries this resource's marker
(an interrupted earlier run created it) or when this very create's answer was lost; anything else is refused
and left untouched. Lost answers are injected with the server's ``after_commit`` faults.
"""

from __future__ import annotations

import dataclasses

import pytest

from pulumi_serving.client import AlreadyExists
from pulumi_serving.payloads.ownership import OWNER_TAG_KEY, scope_marker_key
from pulumi_serving.resources import SecretAclProvider, SecretProvider, SecretScopeProvider, ServingEndpointProvider
from pulumi_serving.server.faults import FAULTS_PATH
from tests.support.payloads import openai_entity
from tests.support.providers import configured

OWNER = "proj/dev/ServingEndpoint/ep"
SCOPE_OWNER = "proj/dev/SecretScope/keys"
REF = "{{secrets/keys/openai}}"


@pytest.fixture
def server(inprocess_server_factory):
    return inprocess_server_factory(update_delay=0)


def _endpoint(owner: str = OWNER, **extra) -> dict:
    return {
        "endpoint_name": "ep",
        "owner": owner,
        "tags": [{"key": "team", "value": "ml"}],
        "config": {"served_entities": [openai_entity("main", {"openai_api_key_plaintext": "sk-x"})]},
        **extra,
    }


def _fast_retries(provider) -> None:
    transport = provider.client().transport
    transport.retry = dataclasses.replace(transport.retry, base_delay=0.01)


def _fault(server, **rule) -> None:
    with server.client() as api:
        api.post(FAULTS_PATH, json=rule).raise_for_status()


def test_an_endpoint_carries_its_marker_and_a_rerun_create_resumes_it_but_not_anothers(server) -> None:
    provider = configured(ServingEndpointProvider, server)
    news = provider.check({}, _endpoint()).inputs
    first = provider.create(news)
    with server.client() as api:
        live = api.get("/api/2.0/serving-endpoints/ep").json()
    assert {"key": OWNER_TAG_KEY, "value": OWNER} in live["tags"]
    assert first.outs["tags"] == {"team": "ml"}  # by key; the marker is hidden from outputs and diffs
    assert provider.diff("ep", first.outs, news).changes is False
    # the run that created it was killed before Pulumi saw the answer: the next up creates again and resumes
    again = configured(ServingEndpointProvider, server).create(news)
    assert again.id == "ep" and again.outs["tags"] == first.outs["tags"]
    # another stack (or resource) with the same endpoint name is refused, and nothing is changed
    other = configured(ServingEndpointProvider, server)
    with pytest.raises(AlreadyExists, match="this stack did not create it; set adopt=True"):
        other.create(other.check({}, _endpoint("proj/prod/ServingEndpoint/ep", tags=[])).inputs)
    with server.client() as api:
        assert api.get("/api/2.0/serving-endpoints/ep").json()["tags"] == live["tags"]


def test_declaring_the_reserved_marker_tag_or_secret_key_fails_check(server) -> None:
    endpoint = configured(ServingEndpointProvider, server).check(
        {}, {**_endpoint(tags=[{"key": OWNER_TAG_KEY, "value": "x"}]), "known_secrets": ["keys/openai"]}
    )
    assert any("reserved" in f.reason for f in endpoint.failures)
    secret = configured(SecretProvider, server).check(
        {}, {"scope": "keys", "key": "pulumi-serving-owner.abc", "string_value": "v"}
    )
    assert any("reserved" in f.reason for f in secret.failures)


def test_a_scope_carries_its_marker_and_a_rerun_create_resumes_it_but_not_anothers(server) -> None:
    provider = configured(SecretScopeProvider, server)
    inputs = provider.check({}, {"scope": "keys", "owner": SCOPE_OWNER}).inputs
    provider.create(inputs)
    with server.client() as api:
        keys = [s["key"] for s in api.get("/api/2.0/secrets/list", params={"scope": "keys"}).json()["secrets"]]
    assert keys == [scope_marker_key(SCOPE_OWNER)]
    assert provider.create(inputs).id == "keys"  # the re-run after a crash resumes its own scope
    with pytest.raises(AlreadyExists, match="this stack did not create it; set adopt=True"):
        provider.create({**inputs, "owner": "proj/prod/SecretScope/keys"})
    with server.client() as api:  # a scope someone else created (no marker) is refused and left untouched
        api.post("/api/2.0/secrets/scopes/create", json={"scope": "theirs"}).raise_for_status()
    with pytest.raises(AlreadyExists, match="this stack did not create it"):
        provider.create({**inputs, "scope": "theirs"})
    with server.client() as api:
        assert api.get("/api/2.0/secrets/list", params={"scope": "theirs"}).json().get("secrets", []) == []


@pytest.mark.parametrize("faults", [1, 8], ids=["retry-sees-409", "every-retry-fails"])
def test_a_scope_create_whose_answer_is_lost_is_recognised_as_ours(server, faults) -> None:
    provider = configured(SecretScopeProvider, server)
    _fast_retries(provider)
    _fault(
        server,
        status=503,
        count=1,
        retry_after=0,
        method="POST",
        path_prefix="/api/2.0/secrets/scopes/create",
        after_commit=True,
    )
    if faults > 1:  # then every retry fails too, before reaching the routes
        _fault(
            server, status=503, count=faults, retry_after=0, method="POST", path_prefix="/api/2.0/secrets/scopes/create"
        )
    created = provider.create({"scope": "lost", "owner": SCOPE_OWNER})
    assert created.id == "lost"
    with server.client() as api:
        listed = api.get("/api/2.0/secrets/list", params={"scope": "lost"}).json()["secrets"]
    assert [s["key"] for s in listed] == [scope_marker_key(SCOPE_OWNER)]  # marked: the next run resumes it too
    assert provider.create({"scope": "lost", "owner": SCOPE_OWNER}).id == "lost"


def test_secret_and_acl_creates_whose_answer_is_lost_converge(server) -> None:
    configured(SecretScopeProvider, server).create({"scope": "keys", "owner": SCOPE_OWNER})
    secrets, acls = configured(SecretProvider, server), configured(SecretAclProvider, server)
    for provider in (secrets, acls):
        _fast_retries(provider)
    for path in ("/api/2.0/secrets/put", "/api/2.0/secrets/acls/put"):
        _fault(server, status=503, count=1, retry_after=0, method="POST", path_prefix=path, after_commit=True)
    secret = secrets.create(secrets.check({}, {"scope": "keys", "key": "k", "string_value": "v"}).inputs)
    acl = acls.create({"scope": "keys", "principal": "users", "permission": "READ"})
    assert (secret.id, acl.id) == ("keys/k", "keys/users")
    assert secrets.diff(secret.id, secret.outs, {"scope": "keys", "key": "k", "string_value": "v"}).changes is False
    assert acls.read(acl.id, acl.outs).outs["permission"] == "READ"


def test_a_recovered_entry_is_kept_only_when_the_object_is_ours(server) -> None:
    endpoints = configured(ServingEndpointProvider, server)
    endpoints.create(endpoints.check({}, _endpoint()).inputs)
    recovered = {**_endpoint(), "__recovered": True}
    kept = endpoints.read("ep", recovered)
    assert kept.id == "ep" and "__recovered" not in kept.outs and kept.outs["tags"] == {"team": "ml"}
    assert endpoints.read("ep", {**recovered, "owner": "proj/prod/ServingEndpoint/ep"}).id == ""
    assert endpoints.read("missing", {**recovered, "endpoint_name": "missing"}).id == ""
    scopes = configured(SecretScopeProvider, server)
    with server.client() as api:
        api.post("/api/2.0/secrets/scopes/create", json={"scope": "theirs"}).raise_for_status()
        api.post("/api/2.0/secrets/put", json={"scope": "theirs", "key": "k", "string_value": "v"}).raise_for_status()
        api.post("/api/2.0/secrets/scopes/create", json={"scope": "gap"}).raise_for_status()
    assert scopes.read("theirs", {"scope": "theirs", "owner": SCOPE_OWNER, "__recovered": True}).id == ""
    # created, then killed before its marker was put: empty, so it is the interrupted create's own
    assert scopes.read("gap", {"scope": "gap", "owner": SCOPE_OWNER, "__recovered": True}).id == "gap"
    with server.client() as api:
        listed = api.get("/api/2.0/secrets/list", params={"scope": "gap"}).json()["secrets"]
    assert [s["key"] for s in listed] == [scope_marker_key(SCOPE_OWNER)]


def test_recovery_derives_the_id_each_provider_create_returns(server) -> None:
    """The recovery's id rules (recovery/pending.py) must stay equal to what each create answers."""
    from pulumi_serving.recovery.pending import ID_RULES
    from pulumi_serving.resources import EndpointPermissionsProvider, RateLimitsProvider, SecretScopeAclsProvider

    creates = {
        "SecretScope": (SecretScopeProvider, {"scope": "keys", "owner": SCOPE_OWNER}),
        "Secret": (SecretProvider, {"scope": "keys", "key": "openai", "string_value": "v"}),
        "SecretAcl": (SecretAclProvider, {"scope": "keys", "principal": "users", "permission": "READ"}),
        "SecretScopeAcls": (SecretScopeAclsProvider, {"scope": "keys", "acls": []}),
        "ServingEndpoint": (ServingEndpointProvider, _endpoint()),
        "RateLimits": (
            RateLimitsProvider,
            {"endpoint": "ep", "rate_limits": [{"calls": 5, "key": "user", "renewal_period": "minute"}]},
        ),
        "EndpointPermissions": (
            EndpointPermissionsProvider,
            {"endpoint": "ep", "access_control_list": [{"group_name": "apps", "permission_level": "CAN_QUERY"}]},
        ),
    }
    assert set(creates) == set(ID_RULES)
    for kind, (cls, inputs) in creates.items():
        provider = configured(cls, server)
        checked = provider.check({}, inputs)
        assert not checked.failures, (kind, checked.failures)
        assert provider.create(checked.inputs).id == ID_RULES[kind](checked.inputs), kind


def test_a_permissions_write_whose_answer_is_lost_converges(server) -> None:
    from pulumi_serving.resources import EndpointPermissionsProvider

    endpoints = configured(ServingEndpointProvider, server)
    endpoints.create(endpoints.check({}, _endpoint()).inputs)
    provider = configured(EndpointPermissionsProvider, server)
    _fast_retries(provider)
    _fault(
        server, status=503, count=1, retry_after=0, method="PUT", path_prefix="/api/2.0/permissions/", after_commit=True
    )
    inputs = provider.check(
        {}, {"endpoint": "ep", "access_control_list": [{"user_name": "erin", "permission_level": "CAN_QUERY"}]}
    ).inputs
    created = provider.create(inputs)
    with server.client() as api:
        assert api.get(FAULTS_PATH).json() == {"faults": []}  # the write was answered with the fault
    assert created.id == "ep"
    assert provider.diff("ep", created.outs, inputs).changes is False
    assert provider.read("ep", created.outs).inputs is None  # no drift: the retried write is the same write
