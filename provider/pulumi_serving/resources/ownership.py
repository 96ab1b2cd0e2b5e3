"""Ownership markers in practice: who created an object, so a crashed or retried create resumes its own.

The program side computes each resource's owner id (its project, stack, kind and name) and passes it as
the hidden ``owner`` input. The provider writes the marker when it creates the object and, when a create
finds the object already there, takes it over only if the marker is this resource's (or ``adopt`` is set).
Markers are never shown: ``plan.normalize`` drops the tag and the scope reads skip the marker secret.
"""

from __future__ import annotations

from typing import Any

import pulumi

from ..client import NotFound, ServingClient
from ..payloads.ownership import OWNER_INPUT, OWNER_TAG_KEY, owner_id, scope_marker_key  # noqa: F401 - OWNER_INPUT re-exported
from ..recovery.pending import RECOVERED_FLAG

Json = dict[str, Any]


def owner_for(kind: str, resource_name: str) -> str:
    """The owner id of a resource being declared in the running Pulumi program."""
    return owner_id(pulumi.get_project(), pulumi.get_stack(), kind, resource_name)


def owner_tag(owner: str) -> Json:
    return {"key": OWNER_TAG_KEY, "value": owner}


def endpoint_owner(endpoint: Json) -> str | None:
    """The owner id an endpoint's marker tag names, or None."""
    return next((t.get("value") for t in endpoint.get("tags") or [] if t.get("key") == OWNER_TAG_KEY), None)


def scope_owned_by(client: ServingClient, scope: str, owner: str | None) -> bool:
    """True when ``scope`` holds the marker secret of ``owner``."""
    if not owner:
        return False
    try:
        keys = {s.get("key") for s in client.list_secrets(scope)}
    except NotFound:
        return False
    return scope_marker_key(owner) in keys


def scope_is_unmarked_and_empty(client: ServingClient, scope: str) -> bool:
    """True when ``scope`` exists and holds no secret at all (a create interrupted before its marker)."""
    try:
        return not client.list_secrets(scope)
    except NotFound:
        return False


def mark_scope(client: ServingClient, scope: str, owner: str | None) -> None:
    """Put ``owner``'s marker secret into ``scope`` (idempotent)."""
    if owner:
        client.put_secret(scope, scope_marker_key(owner), string_value=owner)


def is_recovered(props: Json) -> bool:
    """True when a state entry was rebuilt from an interrupted create and is not yet confirmed as ours."""
    return bool(props.get(RECOVERED_FLAG))
