"""The pulumi-policy adapter: pulumi-serving's rules served as a policy pack (``pulumi preview --policy-pack DIR``).

Resource rules become resource policies, stack rules a stack policy; properties reach the rules as plain data,
with values not known during a preview as :data:`~.model.UNKNOWN` (pulumi-policy raises on reading them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyPack,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from .configuration import LEVEL_KEY, pack_config
from .model import UNKNOWN, ResourceView, Rule


def plain(value: Any) -> Any:
    """``value`` read through pulumi-policy's proxies into dicts and lists, unknown values as UNKNOWN."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key in value:
            try:
                out[key] = plain(value[key])
            except UnknownValueError:
                out[key] = UNKNOWN
        return out
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        items: list[Any] = []
        for index in range(len(value)):
            try:
                items.append(plain(value[index]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def _view(resource: PolicyResource) -> ResourceView:
    return ResourceView(
        kind=ResourceView.kind_of(resource.resource_type),
        name=resource.name,
        urn=resource.urn,
        props=plain(resource.props),
        parent=resource.parent.urn if resource.parent is not None else None,
        property_dependencies={k: tuple(r.urn for r in v) for k, v in resource.property_dependencies.items()},
    )


def _schema(rule: Rule) -> PolicyConfigSchema | None:
    if not rule.settings:
        return None
    return PolicyConfigSchema(properties={s.name: s.json_schema() for s in rule.settings})


def policy(rule: Rule) -> Policy:
    """The pulumi-policy policy of one rule."""
    level = EnforcementLevel(rule.level.value)
    if rule.is_stack_rule:

        def validate_stack(args: StackValidationArgs, report: ReportViolation) -> None:
            views = [_view(r) for r in args.resources if ResourceView.kind_of(r.resource_type) in rule.kinds]
            for violation in rule.check_stack(views, args.get_config()):
                report(violation.message, violation.urn)

        return StackValidationPolicy(
            rule.name, rule.description, validate_stack, enforcement_level=level, config_schema=_schema(rule)
        )

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if ResourceView.kind_of(args.resource_type) not in rule.kinds:
            return
        view = ResourceView(
            kind=ResourceView.kind_of(args.resource_type), name=args.name, urn=args.urn, props=plain(args.props)
        )
        for message in rule.check_resource(view, args.get_config()):
            report(message, None)

    return ResourceValidationPolicy(
        rule.name, rule.description, validate, enforcement_level=level, config_schema=_schema(rule)
    )


def initial_config(config: Mapping[str, Any] | None, rules: Sequence[Rule]) -> dict[str, Any]:
    """``config`` checked (a ConfigError names any problem) in pulumi-policy's ``initial_config`` shape."""
    out: dict[str, Any] = {}
    for name, checked in pack_config(config, rules).items():
        entry: dict[str, Any] = dict(checked.settings)
        if checked.level is not None:
            entry[LEVEL_KEY] = EnforcementLevel(checked.level.value)
        out[name] = entry
    return out


def serve(name: str, rules: Sequence[Rule], config: Mapping[str, Any] | None) -> None:
    """Serve the pack until the engine stops it."""
    PolicyPack(name, [policy(rule) for rule in rules], initial_config=initial_config(config, rules))
