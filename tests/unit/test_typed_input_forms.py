"""Every documented input form of every argument of every resource, under Pulumi's mocks (no engine).

The forms come from the resources' type hints and the generated ``...Args`` types: each member of a union
(``tags`` as a list of ``EndpointTagArgs`` or as a mapping), a value or an ``Output`` of it wherever ``Input``
allows one, each ``...Args`` with every field set. A resource is built with one argument in one form (the others
at a base value) and all its outputs are awaited: the SDK checks the outputs' types against the class's
annotations (a mapping given for ``tags`` once failed there with ``AssertionError: Unexpected type``).
``tests/e2e/test_typed_forms.py`` sends the same forms through one real ``pulumi preview``.
"""

from __future__ import annotations

import collections.abc
import types
import typing
from typing import Any, Literal, NotRequired, Required, Union, get_args, get_origin, get_type_hints

import pulumi
import pytest

import pulumi_serving
from pulumi_serving import resources
from tests.support.pulumi_mocks import Recorder

RESOURCES = [getattr(resources, name) for name in resources.__all__ if not name.endswith("Provider")]
NOT_ARGUMENTS = {"self", "resource_name", "opts", "return"}
#: names the hints spell as forward references: ``pulumi.Input`` names ``Output``; the resources name each other
#: only for type checkers (TYPE_CHECKING imports)
NAMES = {**vars(pulumi.output), **vars(pulumi), **vars(resources)}


def _is_input(annotation: Any) -> bool:
    """``pulumi.Input[T]`` is ``Union[T, Awaitable[T], Output[T]]``."""
    members = get_args(annotation) if get_origin(annotation) in (Union, types.UnionType) else ()
    return any(get_origin(m) is collections.abc.Awaitable for m in members)


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) in (Required, NotRequired):
        annotation = get_args(annotation)[0]
    return annotation


def forms(annotation: Any) -> list[Any]:
    """Every form a value of ``annotation`` may take; ``Output`` forms are made by :func:`materialize`."""
    annotation = _unwrap(annotation)
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [m for m in get_args(annotation) if m is not type(None)]
        plain = [m for m in members if get_origin(m) not in (collections.abc.Awaitable, pulumi.Output)]
        wrapped = [("output", forms(m)[0]) for m in plain] if _is_input(annotation) else []
        return [f for m in plain for f in forms(m)] + wrapped
    if origin is Literal:
        return [get_args(annotation)[0]]
    if origin in (collections.abc.Sequence, list):
        return [[f] for f in forms(get_args(annotation)[0])] if get_args(annotation) else [[]]
    if origin in (collections.abc.Mapping, dict):
        return [{"k": f} for f in forms(get_args(annotation)[1])] if get_args(annotation) else [{"k": "v"}]
    if typing.is_typeddict(annotation):
        fields = get_type_hints(annotation, localns=NAMES, include_extras=True)
        return [{name: forms(hint)[0] for name, hint in fields.items()}]
    samples: dict[Any, Any] = {str: "x", int: 1, float: 1.0, bool: True, list: [], dict: {}, Any: {"k": "v"}}
    if annotation in samples:
        return [samples[annotation]]
    if isinstance(annotation, type) and issubclass(annotation, pulumi.Resource):
        return [("resource", annotation)]
    raise AssertionError(f"no sample for {annotation!r}")


def materialize(form: Any) -> Any:
    """A form as a value: ``("output", f)`` becomes ``Output.from_input(f)``, a resource form a ServingEndpoint."""
    if isinstance(form, tuple) and form[0] == "output":
        return pulumi.Output.from_input(materialize(form[1]))
    if isinstance(form, tuple) and form[0] == "resource":
        return _endpoint("base-endpoint")
    if isinstance(form, list):
        return [materialize(f) for f in form]
    if isinstance(form, dict):
        return {k: materialize(v) for k, v in form.items()}
    return form


def _endpoint(name: str) -> Any:
    return pulumi_serving.ServingEndpoint(name, endpoint_name=name, served_entities=[{"name": "m"}], wait=False)


def arguments(resource: type) -> dict[str, Any]:
    hints = get_type_hints(resource.__init__, localns=NAMES)
    return {name: hint for name, hint in hints.items() if name not in NOT_ARGUMENTS}


#: a base value of every required argument (and of arguments one of a group must be given)
BASE: dict[str, dict[str, Any]] = {
    "ServingEndpoint": {"endpoint_name": "ep", "served_entities": [{"name": "m"}], "wait": False},
    "RateLimits": {"endpoint": "ep", "rate_limits": []},
    "EndpointPermissions": {"endpoint": "ep", "access_control_list": []},
    "EndpointsReady": {"endpoints": []},
    "Secret": {"scope": "s", "key": "k"},
    "SecretAcl": {"scope": "s", "principal": "p", "permission": "READ"},
    "SecretScope": {"scope": "s"},
    "SecretScopeAcls": {"scope": "s", "acls": []},
}
#: forms the type hints cannot spell: the endpoints an EndpointsReady waits for are resources
EXTRA_FORMS: dict[tuple[str, str], list[Any]] = {("EndpointsReady", "endpoints"): [[("resource", None)]]}
#: arguments that exclude each other: given in one form, the other is left out
EXCLUSIVE = {("ServingEndpoint", "config"): ("served_entities",)}


def cases() -> list[Any]:
    out = []
    for resource in RESOURCES:
        for name, hint in arguments(resource).items():
            for index, form in enumerate(forms(hint) + EXTRA_FORMS.get((resource.__name__, name), [])):
                out.append(pytest.param(resource, name, form, id=f"{resource.__name__}.{name}[{index}]"))
    return out


def test_every_resource_and_argument_is_walked() -> None:
    walked = {(p.values[0].__name__, p.values[1]) for p in cases()}
    assert {r.__name__ for r in RESOURCES} == set(BASE)
    assert ("ServingEndpoint", "tags") in walked and ("RateLimits", "rate_limits") in walked
    tag_forms = [p.values[2] for p in cases() if p.values[:2] == (pulumi_serving.ServingEndpoint, "tags")]
    assert [{"key": "x", "value": "x"}] in tag_forms and {"k": "x"} in tag_forms


@pytest.mark.parametrize(("resource", "argument", "form"), cases())
def test_each_form_of_each_argument_resolves(pulumi_mocks: Recorder, resource: type, argument: str, form: Any) -> None:
    @pulumi.runtime.test
    def run() -> Any:
        kwargs = {
            k: v
            for k, v in BASE[resource.__name__].items()
            if k not in EXCLUSIVE.get((resource.__name__, argument), ())
        }
        kwargs[argument] = materialize(form)
        made = resource(f"{resource.__name__.lower()}-{argument}", **kwargs)
        declared = vars(type(made)).get("__annotations__", {})  # the resource's own outputs (strings: PEP 563)
        outputs = [getattr(made, attr) for attr, hint in declared.items() if str(hint).startswith("pulumi.Output[")]
        assert outputs
        return pulumi.Output.all(*outputs)

    run()


def test_tags_given_as_a_mapping_or_a_list_are_one_mapping(pulumi_mocks: Recorder) -> None:
    @pulumi.runtime.test
    def run() -> Any:
        listed = _tagged("listed", [{"key": "team", "value": "ml"}, {"key": "solo"}])
        mapped = _tagged("mapped", {"team": "ml", "solo": ""})
        wrapped = _tagged(
            "wrapped", pulumi.Output.from_input([{"key": "team", "value": pulumi.Output.from_input("ml")}])
        )
        return pulumi.Output.all(listed.tags, mapped.tags, wrapped.tags).apply(check)

    def check(tags: list[Any]) -> None:
        assert tags[0] == tags[1] == {"team": "ml", "solo": ""} and tags[2] == {"team": "ml"}

    run()


def _tagged(name: str, tags: Any) -> Any:
    return pulumi_serving.ServingEndpoint(
        name, endpoint_name=name, served_entities=[{"name": "m"}], tags=tags, wait=False
    )
