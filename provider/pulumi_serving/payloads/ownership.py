"""Ownership markers: how an object on the serving API says which stack resource created it.

A serving endpoint carries the tag ``OWNER_TAG_KEY`` whose value is the owner id, written in the create
call itself. A secret scope cannot carry tags, so it holds one marker secret whose key names the owner
(``scope_marker_key``), put right after the scope is created. The markers are the provider's own: they are
hidden from diffs, outputs and refresh (``docs/crash-safety.md``).
"""

from __future__ import annotations

import hashlib

from .tag_rules import TAG_VALUE_MAX

OWNER_TAG_KEY = "pulumi-serving-owner"
OWNER_INPUT = "owner"  # the hidden resource input naming its owner
SCOPE_MARKER_PREFIX = "pulumi-serving-owner."
OWNER_ID_MAX = TAG_VALUE_MAX  # the id is an endpoint tag value


def owner_id(project: str, stack: str, kind: str, resource_name: str) -> str:
    """The owner id of one resource of one stack: ``project/stack/Kind/resource_name`` (bounded)."""
    full = f"{project}/{stack}/{kind}/{resource_name}"
    if len(full) <= OWNER_ID_MAX:
        return full
    return f"{full[: OWNER_ID_MAX - 17]}#{hashlib.sha256(full.encode()).hexdigest()[:16]}"


def scope_marker_key(owner: str) -> str:
    """The key of the marker secret that says ``owner`` created a scope (a valid secret key name)."""
    return SCOPE_MARKER_PREFIX + hashlib.sha256(owner.encode()).hexdigest()[:32]


def is_marker_tag(key: object) -> bool:
    return key == OWNER_TAG_KEY


def is_marker_secret(key: object) -> bool:
    return isinstance(key, str) and key.startswith(SCOPE_MARKER_PREFIX)
