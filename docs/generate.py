"""Write docs/reference.md from the code: ``.venv/bin/python docs/generate.py`` (``--check``: exit 1 when stale).

Resources come from ``pulumi_serving.resources`` (signatures, docstrings, ``pulumi.Output`` annotations), the
typed arguments from ``pulumi_serving.generated_args``, the stack-file keys from the declaration models.
"""

from __future__ import annotations

import collections.abc
import inspect
import sys
import types
import typing
from pathlib import Path

from pydantic import BaseModel

from pulumi_serving import generated_args, resources
from pulumi_serving.payloads.declarations import (
    AclDeclaration,
    EndpointDeclaration,
    ScopeDeclaration,
    SecretDeclaration,
    StackDeclarations,
)
from pulumi_serving.payloads.declarations.models import NAMESPACE, PROVIDER_SETTINGS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from generated_file import write_or_check

TARGET = Path(__file__).resolve().parent / "reference.md"
FIRST = ["ServingEndpoint", "SecretScope", "Secret", "SecretAcl", "RateLimits", "EndpointPermissions"]
SKIPPED_PARAMETERS = ("self", "resource_name", "opts")
DECLARATIONS: tuple[type[BaseModel], ...] = (
    StackDeclarations,
    ScopeDeclaration,
    SecretDeclaration,
    AclDeclaration,
    EndpointDeclaration,
)


def unwrap_inputs(annotation: str) -> str:
    """``pulumi.Input[Sequence[pulumi.Input[X]]] | None`` -> ``Sequence[X] | None``."""
    for prefix in ("pulumi.Input[", "Input["):
        while (start := annotation.find(prefix)) >= 0:
            depth, end = 0, start + len(prefix)
            for end in range(start + len(prefix), len(annotation)):
                depth += {"[": 1, "]": -1}.get(annotation[end], 0)
                if depth < 0:
                    break
            annotation = annotation[:start] + annotation[start + len(prefix) : end] + annotation[end + 1 :]
    return annotation


def type_name(annotation: object) -> str:
    """A short type expression: Pulumi ``Input`` unions reduced to their value, ``None`` left out."""
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated or origin is typing.NotRequired or origin is typing.Required:
        return type_name(arguments[0])
    if origin in (typing.Union, types.UnionType):
        if any(typing.get_origin(a) is collections.abc.Awaitable for a in arguments):
            return type_name(arguments[0])  # Input[T] = T | Awaitable[T] | Output[T]
        return " | ".join(type_name(a) for a in arguments if a is not type(None))
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in arguments)
    if origin in (list, collections.abc.Sequence):
        return f"list[{type_name(arguments[0])}]"
    if origin in (dict, collections.abc.Mapping):
        return f"dict[{type_name(arguments[0])}, {type_name(arguments[1])}]"
    if annotation is typing.Any:
        return "any"
    return getattr(annotation, "__name__", str(annotation))


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _doc(obj: object) -> str:
    return inspect.cleandoc(obj.__doc__ or "").strip()


def _resource_classes() -> list[type]:
    from pulumi.dynamic import Resource

    found = [
        getattr(resources, name)
        for name in sorted(resources.__all__, key=lambda n: (n not in FIRST, FIRST.index(n) if n in FIRST else 0, n))
    ]
    return [cls for cls in found if isinstance(cls, type) and issubclass(cls, Resource)]


def render_resource(cls: type) -> list[str]:
    lines = [
        f"### {cls.__name__}",
        "",
        f"Type `pulumi-python:dynamic/serving:{cls.__name__}`. `from pulumi_serving import {cls.__name__}`",
        "",
        _doc(cls),
        "",
        "| argument | type | default |",
        "|---|---|---|",
    ]
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name in SKIPPED_PARAMETERS:
            continue
        annotation = unwrap_inputs(str(param.annotation)) if param.annotation is not param.empty else ""
        default = "required" if param.default is param.empty else f"`{param.default!r}`"
        lines.append(f"| `{name}` | `{_cell(annotation)}` | {_cell(default)} |")
    outputs = {n: str(a) for n, a in inspect.get_annotations(cls).items() if str(a).startswith("pulumi.Output[")}
    if outputs:
        lines += [
            "",
            "Outputs (besides the arguments): "
            + ", ".join(f"`{n}` (`{a.removeprefix('pulumi.Output[').removesuffix(']')}`)" for n, a in outputs.items())
            + ".",
        ]
    return [*lines, ""]


def render_args(name: str) -> list[str]:
    typed = getattr(generated_args, name)
    lines = [f"### {name}", "", _doc(typed), "", "| field | type | required |", "|---|---|---|"]
    for field, annotation in typed.__annotations__.items():
        required = "yes" if field in typed.__required_keys__ else ""
        lines.append(f"| `{field}` | `{_cell(type_name(annotation))}` | {required} |")
    return [*lines, ""]


def render_declaration(model: type[BaseModel]) -> list[str]:
    doc = _doc(model).split("\n\n")[0]
    lines = [
        f"### {model.__name__}",
        "",
        *([doc, ""] if doc else []),
        "| field | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, field in model.model_fields.items():
        kind = type_name(field.annotation)
        default = "required" if field.is_required() else f"`{field.get_default(call_default_factory=True)!r}`"
        lines.append(f"| `{name}` | `{_cell(kind)}` | {_cell(default)} | {_cell(field.description or '')} |")
    return [*lines, ""]


def render() -> str:
    out = [
        "# Reference",
        "",
        "Generated from the code by `docs/generate.py` (a test fails when it is stale). Every resource and "
        "every `...Args` class is importable from `pulumi_serving`; each argument also takes a Pulumi "
        "`Output`, and every `...Args` is a `TypedDict`, so a plain dict works wherever one is expected. The "
        "Databricks facts behind the arguments are in [databricks-api.md](databricks-api.md); the stack-file "
        "mode in [stack-file.md](stack-file.md).",
        "",
        "## Resources",
        "",
    ]
    for cls in _resource_classes():
        out += render_resource(cls)
    out += [
        "## Typed arguments",
        "",
        "Generated from `payloads` by `scripts/gen_args.py` into `pulumi_serving.generated_args`.",
        "",
    ]
    for name in generated_args.__all__:
        out += render_args(name)
    settings = ", ".join(f"`{NAMESPACE}:{key}`" for key in PROVIDER_SETTINGS)
    out += [
        "## Stack-file declarations",
        "",
        f"The keys `{NAMESPACE}:scopes`, `{NAMESPACE}:endpoints` and `{NAMESPACE}:wait_timeout` of a stack "
        f"file (`pulumi_serving.stack.declare()`); the provider settings are {settings}.",
        "",
    ]
    for model in DECLARATIONS:
        out += render_declaration(model)
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str]) -> int:
    return write_or_check(TARGET, render(), argv, ".venv/bin/python docs/generate.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
