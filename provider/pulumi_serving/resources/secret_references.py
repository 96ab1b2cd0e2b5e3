"""``Secret.config_reference`` outputs placed in an endpoint's config: the declared secrets an endpoint uses.

A ``Secret`` registers its reference output here; a ``ServingEndpoint`` finds those outputs in its config and
then depends on their secrets and lists them as known (preview does not look them up on the server). Likewise a
``SecretScope`` registers its ``scope`` output and its ``config_reference(key)`` outputs, so an endpoint knows
which scopes it uses are declared in the stack (``known_scopes``, for plan/references.py). And a ``SecretAcl``
registers its grant, so each endpoint keeps the program's grants (``known_grants``): an update that drops the one
the stack's principal reads a referenced scope through is refused at preview; and each scope keeps those on it, so
adopting it does not report them as grants the stack does not declare.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi

if TYPE_CHECKING:
    from .secret import Secret
    from .secret_scope import SecretScope

# id(output) -> (output, its secret); the output is held so its id is never reused while the program runs.
_REFERENCES: dict[int, tuple[pulumi.Output, Secret]] = {}
# the SecretAcls' inputs ({scope, principal, permission}) in the order the program declares them
_GRANTS: list[dict[str, pulumi.Input[str]]] = []
# id(output) -> (output, its scope): a scope's ``scope`` output and its ``config_reference(key)`` outputs
_SCOPE_OUTPUTS: dict[int, tuple[pulumi.Output, SecretScope]] = {}


def register(output: pulumi.Output, secret: Secret) -> None:
    _REFERENCES[id(output)] = (output, secret)


def register_scope_output(output: pulumi.Output, scope: SecretScope) -> None:
    _SCOPE_OUTPUTS[id(output)] = (output, scope)


def register_grant(scope: pulumi.Input[str], principal: pulumi.Input[str], permission: pulumi.Input[str]) -> None:
    _GRANTS.append({"scope": scope, "principal": principal, "permission": permission})


def known_grants_input() -> pulumi.Output[list[dict[str, str]]]:
    """Every grant (``{scope, principal, permission}``) the program's SecretAcls declare, sorted.

    Read in an ``apply``: it runs once the program's own code has returned, so a SecretAcl declared after the
    endpoint counts too. The grants' inputs, not the SecretAcls' outputs, so no grant waits for the endpoint."""
    return pulumi.Output.from_input(None).apply(lambda _: _declared_grants())


def _declared_grants() -> pulumi.Output[list[dict[str, str]]]:
    rows = [pulumi.Output.all(g["scope"], g["principal"], g["permission"]) for g in _GRANTS]
    return pulumi.Output.all(*rows).apply(
        lambda found: [
            {"scope": s, "principal": p, "permission": m} for s, p, m in sorted({(s, p, m) for s, p, m in found})
        ]
    )


def scope_grants_input(scope: SecretScope, name: pulumi.Input[str]) -> pulumi.Output[list[dict[str, str]]]:
    """The grants (``{scope, principal, permission}``) the program's SecretAcls declare on ``scope``, sorted.

    Read once the program's own code has run, like :func:`known_grants_input`. A grant is on ``scope`` when its
    ``scope`` is this scope's output or ``name`` itself; only those grants' values are awaited, so a scope never
    waits for its own outputs or another scope's."""

    def on_scope(given: Any) -> bool:
        return scope_of(given) is scope or given is name or (isinstance(given, str) and given == name)

    def collect(_: Any) -> pulumi.Output[list[dict[str, str]]]:
        rows = [pulumi.Output.all(name, g["principal"], g["permission"]) for g in _GRANTS if on_scope(g["scope"])]
        return pulumi.Output.all(*rows).apply(
            lambda found: [
                {"scope": s, "principal": p, "permission": m} for s, p, m in sorted({(s, p, m) for s, p, m in found})
            ]
        )

    return pulumi.Output.from_input(None).apply(collect)


def scope_of(value: Any) -> SecretScope | None:
    """The declared scope whose output ``value`` is (a Secret's ``scope`` argument), else None."""
    found = _SCOPE_OUTPUTS.get(id(value))
    return found[1] if found is not None and found[0] is value else None


def _outputs_in(value: Any) -> list[pulumi.Output]:
    found = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, pulumi.Output):
            found.append(item)
    return found


def declared_scopes(config: Any, secrets: list[Secret], depends_on: Any) -> list[SecretScope]:
    """The scopes declared in this program that an endpoint uses: its secrets' scopes, scopes whose
    ``config_reference`` is in ``config``, and scopes it depends on."""
    from .secret_scope import SecretScope

    found: dict[int, SecretScope] = {}
    for secret in secrets:
        if (scope := getattr(secret, "declared_scope", None)) is not None:
            found[id(scope)] = scope
    for output in _outputs_in(config):
        if (scope := scope_of(output)) is not None:
            found[id(scope)] = scope
    for resource in depends_on if isinstance(depends_on, (list, tuple)) else []:
        if isinstance(resource, SecretScope):
            found[id(resource)] = resource
    return list(found.values())


def known_scopes_input(given: list[str] | None, scopes: list[SecretScope]) -> pulumi.Input[list[str]] | None:
    """``given`` plus the name of each declared scope, sorted; None when there are none."""
    if not scopes:
        return sorted(set(given)) if given else None
    return pulumi.Output.all(*(s.scope for s in scopes)).apply(lambda names: sorted(set(given or []) | set(names)))


def referenced_secrets(value: Any) -> list[Secret]:
    """The secrets whose ``config_reference`` output appears anywhere in ``value`` (nested dicts and lists)."""
    found: dict[int, Secret] = {}
    for output in _outputs_in(value):
        if id(output) in _REFERENCES:
            secret = _REFERENCES[id(output)][1]
            found[id(secret)] = secret
    return list(found.values())


def known_secrets_input(given: list[str] | None, secrets: list[Secret]) -> pulumi.Input[list[str]] | None:
    """``given`` plus ``scope/key`` of each referenced secret, sorted; None when there are none."""
    if not secrets:
        return given or None
    pairs = [pulumi.Output.all(s.scope, s.key).apply(lambda sk: f"{sk[0]}/{sk[1]}") for s in secrets]
    return pulumi.Output.all(*pairs).apply(lambda refs: sorted(set(given or []) | set(refs)))
