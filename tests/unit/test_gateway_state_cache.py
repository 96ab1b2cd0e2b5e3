"""The gateway's state cache over a real backend (SQLite in a temp dir): hits until a write, never stale after."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pulumi_serving.payloads import endpoints as endpoint_spec
from pulumi_serving.payloads import secrets as secret_spec
from pulumi_serving.server.backend import Backend, open_backend
from pulumi_serving.server.errors import PermissionDenied
from pulumi_serving.server.gateway.state_cache import StateCache
from pulumi_serving.server.principals import ADMIN, Principal
from pulumi_serving.server.settings import Settings

ALICE = Principal("alice@example.com")
OLD_KEY, NEW_KEY = "sk-old-6b1e", "sk-new-93fa"


def _open(data_dir: Path, update_delay_s: float = 0, clock=time.time) -> Backend:
    return open_backend(
        Settings(data_dir=data_dir, host="127.0.0.1", port=0, update_delay_s=update_delay_s, admin_token="adm"), clock
    )


def _endpoint(name: str = "ep") -> endpoint_spec.CreateServingEndpoint:
    return endpoint_spec.CreateServingEndpoint.model_validate(
        {
            "name": name,
            "config": {
                "served_entities": [
                    {
                        "name": "gpt",
                        "external_model": {
                            "name": "gpt-4",
                            "provider": "openai",
                            "task": "llm/v1/completions",
                            "openai_config": {"openai_api_key": "{{secrets/s/k}}"},
                        },
                    }
                ]
            },
        }
    )


def _put_secret(backend: Backend, value: str) -> None:
    backend.secrets.put_secret(ADMIN, secret_spec.PutSecret(scope="s", key="k", string_value=value))


@pytest.fixture
def backend(tmp_path):
    state = _open(tmp_path)
    state.secrets.create_scope(ADMIN, secret_spec.CreateScope(scope="s"))
    _put_secret(state, OLD_KEY)
    state.endpoints.create(ADMIN, _endpoint())
    yield state
    state.close()


def _key(cache: StateCache, principal: Principal = ADMIN) -> str:
    endpoint = cache.queryable(principal, "ep")
    return cache.external_model(endpoint, "gpt")["openai_config"]["openai_api_key"]


def _counting(monkeypatch, backend: Backend) -> dict[str, int]:
    calls = {"require_permission": 0, "resolve_external_model": 0}
    owners = {"require_permission": backend.endpoint_acls, "resolve_external_model": backend.credentials}
    for name, store in owners.items():
        real = getattr(store, name)

        def counted(*args, _real=real, _name=name):
            calls[_name] += 1
            return _real(*args)

        monkeypatch.setattr(store, name, counted)
    return calls


def test_repeated_lookups_read_the_state_once(backend, monkeypatch):
    calls = _counting(monkeypatch, backend)
    cache = StateCache(backend, {})
    assert [_key(cache) for _ in range(3)] == [OLD_KEY] * 3
    assert calls == {"require_permission": 1, "resolve_external_model": 1}


def test_a_rotated_secret_is_used_by_the_next_lookup(backend):
    cache = StateCache(backend, {})
    assert _key(cache) == OLD_KEY
    _put_secret(backend, NEW_KEY)
    assert _key(cache) == NEW_KEY


def test_a_write_through_another_connection_is_seen(backend, tmp_path):
    cache = StateCache(backend, {})
    assert _key(cache) == OLD_KEY
    other = _open(tmp_path)
    try:
        _put_secret(other, NEW_KEY)
    finally:
        other.close()
    assert _key(cache) == NEW_KEY


def test_a_revoked_permission_refuses_the_next_lookup(backend):
    endpoint_id = backend.endpoints.record("ep")["id"]

    def grant(levels: list[dict[str, str]]) -> None:
        request = endpoint_spec.PermissionsRequest.model_validate({"access_control_list": levels})
        backend.endpoint_acls.set_permissions(ADMIN, endpoint_id, request, replace=True)

    cache = StateCache(backend, {})
    grant([{"user_name": ALICE.name, "permission_level": "CAN_QUERY"}])
    assert _key(cache, ALICE) == OLD_KEY
    grant([])
    with pytest.raises(PermissionDenied):
        cache.queryable(ALICE, "ep")


def test_a_rollout_in_progress_is_not_cached(tmp_path):
    now = [1000.0]
    state = _open(tmp_path, 2.0, lambda: now[0])
    try:
        state.secrets.create_scope(ADMIN, secret_spec.CreateScope(scope="s"))
        _put_secret(state, OLD_KEY)
        state.endpoints.create(ADMIN, _endpoint())
        cache = StateCache(state, {})
        assert not cache.queryable(ADMIN, "ep").view.ready
        now[0] += 3  # the rollout finishes with the clock, without any write
        assert cache.queryable(ADMIN, "ep").view.ready
    finally:
        state.close()
