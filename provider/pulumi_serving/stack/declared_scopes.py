"""DeclaredScopes: the stack file's scopes and managed secrets, kept in the state so a preview sees what an update
deletes (Pulumi calls no provider for a resource it deletes until apply time).

No server object. Its diff lists, for each scope leaving the stack, the secrets it holds that the stack does not
manage: the API deletes them with the scope, so preview warns naming them. (A dropped grant that endpoints need is
refused by the endpoints' own check, from the SecretAcls they know: plan/references.py.)
"""

from __future__ import annotations

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from ..client import NotFound, PermissionDenied
from ..payloads.ownership import is_marker_secret
from ..resources import diagnostics
from ..resources.provider_base import Json, ServingProvider, plain

INPUTS = ("scopes", "secrets")


def unmanaged_secrets_warning(scope: str, keys: list[str]) -> str:
    return (
        f"this update deletes secret scope {scope!r}, and with it the secrets it holds that this stack does "
        f"not manage: {', '.join(keys)} (the API deletes a scope's secrets with it); keep declaring the scope, or "
        "copy them first"
    )


class DeclaredScopesProvider(ServingProvider):
    """CRUD for ``pulumi-python:dynamic/serving:DeclaredScopes`` (state only)."""

    kind, inputs = "DeclaredScopes", INPUTS

    def diff(self, id_: str, olds: Json, news: Json) -> DiffResult:
        olds, props = plain(olds), plain(news)
        dropped = sorted(set(olds.get("scopes") or []) - set(props.get("scopes") or []))
        managed = set(olds.get("secrets") or [])
        for scope in dropped:
            try:
                listed = [str(s.get("key")) for s in self.client().list_secrets(scope)]
            except (NotFound, PermissionDenied):
                continue  # gone already, or not ours to list
            keys = sorted(k for k in listed if not is_marker_secret(k) and f"{scope}/{k}" not in managed)
            if keys:
                diagnostics.warn(unmanaged_secrets_warning(scope, keys))
        changed = any(olds.get(k) != props.get(k) for k in INPUTS)
        return DiffResult(changes=changed, replaces=[], delete_before_replace=False)

    def create(self, props: Json) -> CreateResult:
        return CreateResult("declared-scopes", plain(props))

    def update(self, id_: str, olds: Json, news: Json) -> UpdateResult:
        return UpdateResult(plain(news))

    def read(self, id_: str, props: Json) -> ReadResult:
        return ReadResult(id_, plain(props))

    def delete(self, id_: str, props: Json) -> None:
        return None


class DeclaredScopes(Resource, module="serving", name="DeclaredScopes"):
    """The stack file's scope names and managed ``scope/key`` secrets; the stack program declares one."""

    def __init__(
        self,
        resource_name: str,
        *,
        scopes: list[str],
        secrets: list[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"scopes": sorted(scopes), "secrets": sorted(secrets)}
        super().__init__(DeclaredScopesProvider(), resource_name, props, opts)
