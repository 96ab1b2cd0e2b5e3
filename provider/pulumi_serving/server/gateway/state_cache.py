"""What the gateway reads from the server state on each call, kept until that state changes.

Per database version (:meth:`~..storage.Database.version`): the endpoint document a caller may query (the
CAN_QUERY check passed), its gateway view, and each served entity's external model with its credential
resolved (each secret reference authorized for the endpoint's owner, the upstream host checked against
``serve --allow-upstream``). Any committed write (a rotated or deleted secret, a new config, an ACL or AI
gateway change; in this process or through another connection) changes the version, and the next lookup starts empty, so a
rotated secret is used by the next request. An endpoint with a rollout in progress is never cached (its
live config changes with the clock, not with a write). Failed lookups (404, 403) are not cached. Holds
credentials in memory only; nothing here is logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..backend import Backend
from ..endpoint_documents import is_updating
from ..principals import Principal
from ..versioned_entries import Version, VersionedEntries
from .served_endpoint import EndpointView, view_from_doc
from .upstream.bases import call_urls

MAX_ENTRIES = 4096


@dataclass(frozen=True)
class Queryable:
    """An endpoint the caller may query: its document, its gateway view and the state version they are of."""

    doc: dict[str, Any]
    view: EndpointView
    version: Version


class StateCache:
    """``bases``: the gateway's provider base URLs (for the egress check of entities that name no URL)."""

    def __init__(self, backend: Backend, bases: Mapping[str, str], max_entries: int = MAX_ENTRIES):
        self._backend = backend
        self._bases = bases
        self._cached = VersionedEntries(backend.db, max_entries)

    def queryable(self, principal: Principal, name: str) -> Queryable:
        """Endpoint ``name`` when ``principal`` holds CAN_QUERY on it; 404/403 otherwise."""
        version = self._cached.current()
        key = ("endpoint", principal, name)
        hit = self._cached.entries.get(key)
        if hit is not None:
            return hit
        doc = self._backend.endpoint_acls.require_permission(principal, name, "CAN_QUERY")
        found = Queryable(doc, view_from_doc(doc), version)
        if not is_updating(doc):
            self._cached.entries[key] = found
        return found

    def external_model(self, endpoint: Queryable, entity: str) -> Mapping[str, Any]:
        """Served entity ``entity``'s external model, credentials resolved (never log it). The cache serves
        and keeps it only while it still holds the version ``endpoint`` was read at (the state is not re-read:
        a write after the request began is seen by the next request) and no rollout is in progress."""
        same_version = self._cached.version == endpoint.version
        key = ("model", endpoint.doc["name"], entity)
        hit = self._cached.entries.get(key) if same_version else None
        if hit is not None:
            return hit
        model = self._backend.credentials.resolve_external_model(endpoint.doc["name"], entity)
        self._backend.egress.check_call(endpoint.doc["name"], entity, call_urls(model, self._bases))
        if same_version and not is_updating(endpoint.doc):
            self._cached.entries[key] = model
        return model
