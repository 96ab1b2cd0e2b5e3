"""Generated declarations as a typed Python program (``pulumi-serving generate --python``). Pure: text out.

The program declares what ``pulumi_serving.stack.declare()`` would for the same stack file: each scope adopted
with its grants (``SecretScopeAcls`` beside one ``SecretAcl`` per grant), each endpoint adopted with its rate
limits and permissions, depending on the scopes it references that the program declares.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Sequence
from typing import Any

from ..payloads import EndpointCoreConfigInput, config_secret_uses
from ..payloads.declarations import endpoint_secret_keys
from ..payloads.endpoint_fields import SETTINGS_FIELDS
from .declarations import Generated

Json = dict[str, Any]
_WIDTH = 100
_RESOURCES = ("EndpointPermissions", "Secret", "SecretAcl", "SecretScope", "SecretScopeAcls", "ServingEndpoint")
# ServingEndpoint's keyword arguments besides its name and config: its other fields, and the rate limits.
_ENDPOINT_ARGS = (*SETTINGS_FIELDS, "rate_limits")


def _identifier(name: str, taken: set[str]) -> str:
    base = re.sub(r"\W+", "_", name).strip("_").lower() or "resource"
    if base[0].isdigit():
        base = f"r_{base}"
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}_{n}", n + 1
    taken.add(ident)
    return ident


def _literal(value: Any, indent: int) -> str:
    """``value`` as a Python literal: on one line when it fits, else one item per line indented from ``indent``."""
    if isinstance(value, _Code):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid Python string literal, in double quotes
    if isinstance(value, dict):
        items = [f"{json.dumps(k)}: {_literal(v, indent + 4)}" for k, v in value.items()]
        opening, closing = "{", "}"
    elif isinstance(value, list):
        items = [_literal(v, indent + 4) for v in value]
        opening, closing = "[", "]"
    else:
        return repr(value)
    flat = opening + ", ".join(items) + closing
    if "\n" not in flat and indent + len(flat) <= _WIDTH:
        return flat
    inner = " " * (indent + 4)
    return opening + "\n" + "".join(f"{inner}{item},\n" for item in items) + " " * indent + closing


def _secret_values(value: Any) -> Any:
    """``{secret: key}`` placeholders as ``config.require_secret("key")`` calls (marked for the renderer)."""
    if isinstance(value, dict):
        if set(value) == {"secret"}:
            return _Code(f"config.require_secret({json.dumps(value['secret'])})")
        return {k: _secret_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_secret_values(v) for v in value]
    return value


class _Code(str):
    """A Python expression rendered as is (not as a string literal)."""

    def __repr__(self) -> str:
        return str(self)


def _comments(lines: Sequence[str]) -> list[str]:
    return [f"# {part}" for line in lines for part in textwrap.wrap(line, _WIDTH - 2)]


def _call(callee: str, *args: str, **kwargs: str) -> str:
    """``callee(args..., key=value...)`` on one line when it fits, else one argument per line."""
    parts = [*args, *(f"{k}={v}" for k, v in kwargs.items())]
    flat = f"{callee}({', '.join(parts)})"
    if "\n" not in flat and len(flat) <= _WIDTH:
        return flat
    return f"{callee}(\n" + "".join(f"    {p},\n" for p in parts) + ")"


def render(endpoints: Sequence[Generated] = (), scopes: Sequence[Generated] = (), header: str = "") -> str:
    """A ``__main__.py`` declaring the generated scopes and endpoints with the typed resources of the package."""
    q = json.dumps
    out: list[str] = []
    taken = {"config", "pulumi"}
    scope_vars: dict[str, str] = {}
    for item in scopes:
        decl = item.declaration
        var = scope_vars[item.name] = _identifier(f"{item.name}_scope", taken)
        scope = f"{var}.scope"
        out += _comments(item.notes)
        out.append(
            f"{var} = " + _call("SecretScope", q(item.name), scope=q(item.name), adopt="True", acls_declared="True")
        )
        for secret in decl.get("secrets", []):
            value = f"config.require_secret({q(secret['value_from'])})"
            out.append(
                _call(
                    "Secret", q(f"{item.name}/{secret['key']}"), scope=scope, key=q(secret["key"]), string_value=value
                )
            )
        acls = decl.get("acls", [])
        out.append(_call("SecretScopeAcls", q(f"{item.name}/acls"), scope=scope, acls=_literal(acls, 4)))
        for acl in acls:
            out.append(
                _call(
                    "SecretAcl",
                    q(f"{item.name}/{acl['principal']}"),
                    scope=scope,
                    principal=q(acl["principal"]),
                    permission=q(acl["permission"]),
                )
            )
        out.append("")
    for item in endpoints:
        decl = item.declaration
        var = _identifier(item.name, taken)
        placeholders = endpoint_secret_keys(decl["config"])[0]
        uses = config_secret_uses(EndpointCoreConfigInput.model_validate(placeholders))
        depends = sorted({scope_vars[u.ref.scope] for u in uses if u.ref.scope in scope_vars})
        out += _comments(item.notes)
        kwargs = {"endpoint_name": q(item.name), "config": _literal(_secret_values(decl["config"]), 4)}
        kwargs.update({key: _literal(decl[key], 4) for key in _ENDPOINT_ARGS if key in decl})
        kwargs["adopt"] = "True"
        if depends:
            kwargs["opts"] = f"pulumi.ResourceOptions(depends_on=[{', '.join(depends)}])"
        out.append(f"{var} = " + _call("ServingEndpoint", q(item.name), **kwargs))
        if "permissions" in decl:
            out.append(
                _call(
                    "EndpointPermissions",
                    q(f"{item.name}/permissions"),
                    endpoint=var,
                    access_control_list=_literal(decl["permissions"], 4),
                )
            )
        out.append("")
    text = "\n".join(out)
    used = sorted(n for n in _RESOURCES if re.search(rf"^(\w+ = )?{n}\(", text, re.MULTILINE))
    head = [f'"""{header or "Serving objects adopted by pulumi-serving generate."}"""', "", "import pulumi", ""]
    head += ["from pulumi_serving import (", *(f"    {n}," for n in used), ")", ""]
    if "config." in text:
        head += ['config = pulumi.Config("serving")', ""]
    return "\n".join(head) + "\n" + text.rstrip() + "\n"
