"""Planners of the secret resources (Secret, SecretScope, SecretAcl): pure, no I/O.

Their replace reasons and calls are rows of the planner's table (``fields.RULES``).
"""

from __future__ import annotations

from typing import Any

from ..payloads import api_paths
from .fields import call_for, identity_replaces
from .fingerprints import matches
from .model import Call, Plan

Json = dict[str, Any]


def secret_value(props: Json) -> tuple[str, str]:
    """("string", value) or ("bytes", base64 value) of a Secret's inputs."""
    if props.get("bytes_value") is not None:
        return "bytes", str(props["bytes_value"])
    return "string", str(props.get("string_value") or "")


def plan_secret(olds: Json, news: Json) -> Plan:
    """A new value is put in place (the API's put is an upsert), then listed to record its timestamp."""
    if replaces := identity_replaces("Secret", olds, news):
        return Plan(replaces=replaces)
    kind, value = secret_value(news)
    if olds.get("value_kind") == kind and matches(
        value, olds.get("fingerprint_salt") or "", olds.get("value_fingerprint")
    ):
        return Plan()
    return Plan(calls=put_calls(news))


def put_calls(props: Json) -> list[Call]:
    """Put the declared value (an upsert), then list the scope's secrets to record its timestamp."""
    field = f"{secret_value(props)[0]}_value"
    return [Call(call_for("Secret", field), (field,)), Call(api_paths.LIST_SECRETS)]


def plan_scope(olds: Json, news: Json) -> Plan:
    if replaces := identity_replaces("SecretScope", olds, news):
        return Plan(replaces=replaces)
    principal = news.get("initial_manage_principal")
    if olds.get("initial_manage_principal") == principal:
        return Plan()
    api = call_for("SecretScope", "initial_manage_principal", removed=not principal)
    return Plan(calls=[Call(api, ("initial_manage_principal",))])


def plan_acl(olds: Json, news: Json) -> Plan:
    if replaces := identity_replaces("SecretAcl", olds, news):
        return Plan(replaces=replaces)
    if olds.get("permission") == news.get("permission"):
        return Plan()
    return Plan(calls=[Call(call_for("SecretAcl", "permission"), ("permission",))])


def acl_create_calls() -> list[Call]:
    """Read the principal's grant (an adopted scope may hold it already), then put the declared permission."""
    return [Call(api_paths.GET_ACL), Call(call_for("SecretAcl", "permission"), ("permission",))]
