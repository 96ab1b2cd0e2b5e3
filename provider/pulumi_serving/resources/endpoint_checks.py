"""Preview-time checks of a ServingEndpoint's inputs: each problem names the property and the reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi.dynamic import CheckFailure

from .. import payloads
from ..client import ServingClient
from ..payloads.endpoint_fields import FLAG_FIELDS, TEXT_FIELDS
from ..payloads.ownership import OWNER_TAG_KEY, is_marker_tag
from ..plan.endpoint import rejections
from ..plan.parsed_endpoint import ParsedEndpoint
from ..plan.references import OPT_IN, dropped_references, endpoint_grant_change
from ..plan.scope_acls import Caller
from .provider_base import Json, failures, has_unknowns
from .reference_health import revoked_reads_live
from .secret_existence import missing_secret_problems, used_refs


def endpoint_problems(
    old: ParsedEndpoint, new: ParsedEndpoint, client: Callable[[], ServingClient]
) -> list[CheckFailure]:
    """Problems of the declaration ``new`` (``old``: the last-applied one, empty on the first deployment)."""
    problems: list[CheckFailure] = []
    props = new.props
    name = props.get("endpoint_name")
    if not has_unknowns(name) and (reason := payloads.names.endpoint_name_problem(name)):
        problems.append(CheckFailure("endpoint_name", f"endpoint_name: {reason}"))
    problems += _config(old, new, client)
    if props.get("tags") is not None and not has_unknowns(props["tags"]):
        problems += _tags(props["tags"])
    gateway = props.get("ai_gateway")
    if isinstance(gateway, dict) and not gateway.get("rate_limits") and not has_unknowns(gateway):
        problems += failures("ai_gateway", payloads.validate_ai_gateway(gateway))
    elif gateway is not None and not isinstance(gateway, dict):
        problems.append(CheckFailure("ai_gateway", "ai_gateway: must be an object"))
    for field in TEXT_FIELDS:
        if props.get(field) is not None and not has_unknowns(props[field]) and not isinstance(props[field], str):
            problems.append(CheckFailure(field, f"{field}: must be a string"))
    notifications = props.get("email_notifications")
    if notifications is not None and not has_unknowns(notifications):
        problems += failures(
            "email_notifications", payloads.check(payloads.endpoints.EmailNotifications, notifications)
        )
    if props.get("telemetry_config") is not None and not isinstance(props["telemetry_config"], dict):
        problems.append(CheckFailure("telemetry_config", "telemetry_config: must be an object"))
    for flag in (*FLAG_FIELDS, "adopt", OPT_IN):
        if props.get(flag) is not None and not isinstance(props[flag], bool):
            problems.append(CheckFailure(flag, f"{flag}: must be true or false"))
    if not has_unknowns(props):
        problems += [CheckFailure(r.path.split(".")[0], f"{r.path}: {r.reason}") for r in rejections(new)]
    return problems


def _config(old: ParsedEndpoint, new: ParsedEndpoint, client: Callable[[], ServingClient]) -> list[CheckFailure]:
    config, props = new.props.get("config"), new.props
    if config is None:
        return [CheckFailure("config", "config: is required (served_entities and optional traffic_config)")]
    if has_unknowns(config):
        return []
    if new.config is None:
        return failures("config", new.config_problems)
    old_config = old.props.get("config")
    checked = used_refs(old.config) if old_config and not has_unknowns(old_config) and old.config else set()
    missing = missing_secret_problems(client, new.config, props.get("known_secrets") or [], checked)
    dropped = [(d.path, d.message(str(props.get("endpoint_name")))) for d in dropped_references(old.props, new)]
    return [CheckFailure("config", f"{path}: {reason}") for path, reason in missing + dropped]


def revoked_read_problems(
    olds: Json, new: ParsedEndpoint, client: Callable[[], ServingClient], caller: Callable[[], Caller]
) -> list[CheckFailure]:
    """A program's grant this update stops declaring through which the stack's principal reads a scope the
    endpoint's config references, with no other grant left to it (plan/references.py)."""
    if has_unknowns(new.props.get("known_grants")) or has_unknowns(new.props.get("config")):
        return []
    change = endpoint_grant_change(olds, new)
    if change is None:
        return []
    principal = caller()
    return [
        CheckFailure("config", f"config: {r.message(principal.name)}")
        for r in revoked_reads_live(client(), change, principal)
    ]


def _tags(value: Any) -> list[CheckFailure]:
    items = [{"key": k, "value": v} for k, v in value.items()] if isinstance(value, dict) else value
    if not isinstance(items, list):
        return [CheckFailure("tags", "tags: must be a list of {key, value} or a mapping")]
    problems = []
    for index, item in enumerate(items):
        problems += failures("tags", payloads.check(payloads.EndpointTag, item, f"tags[{index}]"))
        if isinstance(item, dict) and is_marker_tag(item.get("key")):
            problems.append(
                CheckFailure(
                    "tags", f"tags[{index}].key: {OWNER_TAG_KEY!r} is reserved for the provider's ownership marker"
                )
            )
    return problems
