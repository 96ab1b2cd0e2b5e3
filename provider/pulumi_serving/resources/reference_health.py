"""Whether an endpoint's ``{{secrets/...}}`` references still resolve on the server (refresh and preview warn), and
whether an update's dropped grants leave them readable (preview refuses, plan/references.py)."""

from __future__ import annotations

from collections.abc import Iterable

from ..client import ApiError, NotFound, PermissionDenied, ServingClient
from ..payloads.secret_ref_syntax import SecretRef
from ..plan.references import GrantChange, RevokedRead, revoked_reads
from ..plan.scope_acls import Caller


def broken_references(client: ServingClient, refs: Iterable[SecretRef]) -> dict[str, str]:
    """{reference: reason} for each reference whose scope or secret no longer exists or that the stack's principal
    can no longer read (one ``secrets/list`` per scope)."""
    keys_by_scope: dict[str, set[str] | str] = {}
    broken: dict[str, str] = {}
    for ref in refs:
        if ref.scope not in keys_by_scope:
            try:
                keys_by_scope[ref.scope] = {str(s.get("key")) for s in client.list_secrets(ref.scope)}
            except NotFound:
                keys_by_scope[ref.scope] = f"secret scope {ref.scope!r} no longer exists"
            except PermissionDenied:
                keys_by_scope[ref.scope] = f"secret scope {ref.scope!r} is no longer readable by the stack's principal"
        found = keys_by_scope[ref.scope]
        if isinstance(found, str):
            broken[str(ref)] = found
        elif ref.key not in found:
            broken[str(ref)] = f"secret {ref.key!r} no longer exists in scope {ref.scope!r}"
    return broken


def revoked_reads_live(client: ServingClient, change: GrantChange, caller: Caller) -> list[RevokedRead]:
    """The grants ``change`` drops that leave ``caller`` unable to read a referenced scope, against the live grants
    of each scope losing one (one ``acls/list`` per scope; a scope gone or not ours to list is skipped)."""
    if caller.is_admin:
        return []
    live = {}
    for scope in change.touched():
        try:
            live[scope] = client.list_acls(scope)
        except ApiError:
            continue
    return revoked_reads(change.old_acls, change.new_acls, live, caller, change.users)
