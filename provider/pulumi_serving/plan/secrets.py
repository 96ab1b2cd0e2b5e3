"""Planners of the secret resources (Secret, SecretScope, SecretAcl): pure, no I/O."""

from __future__ import annotations

from typing import Any

from . import calls
from .fingerprint import matches
from .model import Call, Plan, Replace

Json = dict[str, Any]


def secret_value(props: Json) -> tuple[str, str]:
    """("string", value) or ("bytes", base64 value) of a Secret's inputs."""
    if props.get("bytes_value") is not None:
        return "bytes", str(props["bytes_value"])
    return "string", str(props.get("string_value") or "")


def _identity_replaces(olds: Json, news: Json, identity: tuple[str, ...], reason: str) -> list[Replace]:
    """One replace per changed property of ``identity`` (the API cannot rename these objects)."""
    return [Replace(p, p, reason) for p in identity if olds.get(p) != news.get(p)]


def plan_secret(olds: Json, news: Json) -> Plan:
    """A new value is put in place (the API's put is an upsert), then listed to record its timestamp."""
    if replaces := _identity_replaces(olds, news, ("scope", "key"), "a secret's scope and key are its identity"):
        return Plan(replaces=replaces)
    kind, value = secret_value(news)
    if olds.get("value_kind") == kind and matches(
        value, olds.get("fingerprint_salt") or "", olds.get("value_fingerprint")
    ):
        return Plan()
    return Plan(calls=[Call(calls.PUT_SECRET, (f"{kind}_value",)), Call(calls.LIST_SECRETS)])


def plan_scope(olds: Json, news: Json) -> Plan:
    if replaces := _identity_replaces(olds, news, ("scope",), "secret scope names are immutable"):
        return Plan(replaces=replaces)
    principal = news.get("initial_manage_principal")
    if olds.get("initial_manage_principal") == principal:
        return Plan()
    return Plan(calls=[Call(calls.PUT_ACL if principal else calls.DELETE_ACL, ("initial_manage_principal",))])


def plan_acl(olds: Json, news: Json) -> Plan:
    if replaces := _identity_replaces(
        olds, news, ("scope", "principal"), "an ACL's scope and principal are its identity"
    ):
        return Plan(replaces=replaces)
    if olds.get("permission") == news.get("permission"):
        return Plan()
    return Plan(calls=[Call(calls.PUT_ACL, ("permission",))])
