"""``Secret.config_reference`` outputs placed in an endpoint's config: the declared secrets an endpoint uses.

A ``Secret`` registers its reference output here; a ``ServingEndpoint`` finds those outputs in its config and
then depends on their secrets and lists them as known (preview does not look them up on the server).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi

if TYPE_CHECKING:
    from .secret import Secret

# id(output) -> (output, its secret); the output is held so its id is never reused while the program runs.
_REFERENCES: dict[int, tuple[pulumi.Output, Secret]] = {}


def register(output: pulumi.Output, secret: Secret) -> None:
    _REFERENCES[id(output)] = (output, secret)


def referenced_secrets(value: Any) -> list[Secret]:
    """The secrets whose ``config_reference`` output appears anywhere in ``value`` (nested dicts and lists)."""
    found: dict[int, Secret] = {}
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, pulumi.Output) and id(item) in _REFERENCES:
            secret = _REFERENCES[id(item)][1]
            found[id(secret)] = secret
    return list(found.values())


def known_secrets_input(given: list[str] | None, secrets: list[Secret]) -> pulumi.Input[list[str]] | None:
    """``given`` plus ``scope/key`` of each referenced secret, sorted; None when there are none."""
    if not secrets:
        return given or None
    pairs = [pulumi.Output.all(s.scope, s.key).apply(lambda sk: f"{sk[0]}/{sk[1]}") for s in secrets]
    return pulumi.Output.all(*pairs).apply(lambda refs: sorted(set(given or []) | set(refs)))
