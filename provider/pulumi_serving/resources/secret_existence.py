"""Preview-time check that every ``{{secrets/scope/key}}`` an endpoint uses exists on the server or is declared."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .. import payloads
from ..client import NotFound, ServingClient

if TYPE_CHECKING:
    from ..payloads import EndpointCoreConfigInput, SecretUse


def missing_secret_problems(
    client_factory, config: EndpointCoreConfigInput, declared: Iterable[str], already_checked: Iterable[str]
) -> list[tuple[str, str]]:
    """(field path, reason) for references neither declared in the stack nor present on the server.

    ``declared`` and ``already_checked`` hold ``scope/key`` strings; only the rest cost a lookup
    (one ``secrets/list`` per scope), so an unchanged stack previews without API calls.
    """
    skip = set(declared) | set(already_checked)
    uses = [u for u in payloads.config_secret_uses(config, "config") if f"{u.ref.scope}/{u.ref.key}" not in skip]
    if not uses:
        return []
    client: ServingClient = client_factory()
    keys_by_scope: dict[str, set[str] | None] = {}
    problems = []
    for use in uses:
        scope = use.ref.scope
        if scope not in keys_by_scope:
            try:
                keys_by_scope[scope] = {s["key"] for s in client.list_secrets(scope)}
            except NotFound:
                keys_by_scope[scope] = None
        problems += _problem(use, keys_by_scope[scope])
    return problems


def _problem(use: SecretUse, keys: set[str] | None) -> list[tuple[str, str]]:
    if keys is None:
        cause = f"secret scope {use.ref.scope!r} of {use.ref} is neither declared in this stack nor found on the server"
    elif use.ref.key not in keys:
        cause = (
            f"secret {use.ref} is neither declared in this stack nor found on the server "
            f"(scope {use.ref.scope!r} has no key {use.ref.key!r})"
        )
    else:
        return []
    return [(use.path, f"{cause}; {next_step(use)}")]


def next_step(use: SecretUse) -> str:
    """What to do when a reference is not found: a secret this stack declares is not known to the endpoint
    when its reference is written by hand (the endpoint cannot tell it from a typo)."""
    pair = f"{use.ref.scope}/{use.ref.key}"
    return (
        "if this stack declares it, put the Secret's config_reference in the config instead of the literal "
        f"reference, or list {pair!r} in the endpoint's known_secrets; otherwise create it on the server first"
    )


def used_refs(config: EndpointCoreConfigInput) -> set[str]:
    return {f"{u.ref.scope}/{u.ref.key}" for u in payloads.config_secret_uses(config)}
