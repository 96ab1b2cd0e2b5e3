"""Secret: one key of a secret scope. The value is a Pulumi secret; state keeps only a salted fingerprint."""

from __future__ import annotations

import base64
import binascii
import contextlib
from dataclasses import dataclass, field

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, Resource, UpdateResult

from .. import payloads
from ..client import NotFound, ServingClient
from ..payloads import api_paths
from ..payloads.api_paths import Api
from ..payloads.ownership import SCOPE_MARKER_PREFIX, is_marker_secret
from ..payloads.secret_ref_syntax import format_secret_ref
from ..plan import Call, Plan, fingerprint, new_salt, plan_secret, secret_value
from ..plan.secrets import put_calls
from .executor import Handler, execute
from .ownership import is_recovered
from .provider_base import Json, ServingProvider, has_unknowns, plain, shown
from .secret_references import register, scope_of

INPUTS = ("scope", "key", "string_value", "bytes_value")
DRIFTED = "drifted"  # fingerprint recorded when the value was changed behind Pulumi's back


def _id(scope: str, key: str) -> str:
    return f"{scope}/{key}"


class SecretProvider(ServingProvider):
    """CRUD for ``pulumi-python:dynamic/serving:Secret``. Values are put in place (the API's put is an upsert)."""

    kind, inputs = "Secret", INPUTS

    def check_inputs(self, olds: Json, props: Json) -> list[CheckFailure]:
        problems = []
        for prop, rule in (("scope", payloads.names.scope_name_problem), ("key", payloads.names.secret_key_problem)):
            if not has_unknowns(props.get(prop)) and (reason := rule(props.get(prop))):
                problems.append(CheckFailure(prop, f"{prop}: {reason}"))
        if is_marker_secret(props.get("key")):
            problems.append(
                CheckFailure(
                    "key",
                    f"key: names starting with {SCOPE_MARKER_PREFIX!r} are reserved for "
                    "the provider's ownership marker",
                )
            )
        given = [p for p in ("string_value", "bytes_value") if props.get(p) is not None]
        if len(given) != 1:
            problems.append(
                CheckFailure(
                    "string_value",
                    f"string_value: exactly one of string_value or bytes_value is required (got {len(given)})",
                )
            )
        elif not has_unknowns(props[given[0]]):
            problems += self._check_value(given[0], props[given[0]])
        return problems

    @staticmethod
    def _check_value(prop: str, value: object) -> list[CheckFailure]:
        # Reasons never quote the value: it is a secret.
        if not isinstance(value, str):
            return [CheckFailure(prop, f"{prop}: must be a string")]
        if prop == "bytes_value":
            try:
                size = len(base64.b64decode(value, validate=True))
            except (binascii.Error, ValueError):
                return [CheckFailure(prop, "bytes_value: must be base64-encoded")]
        else:
            size = len(value.encode())
        limit = payloads.secrets.MAX_SECRET_VALUE_BYTES
        if size > limit:
            return [CheckFailure(prop, f"{prop}: the value is {size} bytes; the limit is {limit}")]
        return []

    def plan(self, olds: Json, props: Json) -> Plan:
        return plan_secret(olds, props)

    def label(self, props: Json) -> str:
        return f"Secret {shown(props.get('scope'))}/{shown(props.get('key'))}"

    def create(self, props: Json) -> CreateResult:
        props = plain(props)
        outs = self._put(None, props, put_calls(props), new_salt())  # a create's put is not narrated
        return CreateResult(_id(props["scope"], props["key"]), outs)

    def update(self, id_: str, olds: Json, news: Json) -> UpdateResult:
        props, olds = plain(news), plain(olds)
        planned = self.plan(olds, props).calls  # the put, then the list that reads its timestamp
        return UpdateResult(self._put(self.label(props), props, planned, olds.get("fingerprint_salt") or new_salt()))

    def read(self, id_: str, props: Json) -> ReadResult:
        """Outputs only, on purpose: the engine then keeps the stored inputs, whose value is a Pulumi secret.

        Refresh diffs these outputs against those inputs, so a value changed behind Pulumi's back shows as
        ``~ string_value`` (the fingerprint becomes ``drifted``). The dynamic provider host passes read
        only the outputs, so returned inputs could not carry the value, and every later refresh would
        then report a change.
        """
        olds = plain(props)
        try:
            listed = self.client().list_secrets(olds["scope"])
        except NotFound:
            return ReadResult("", {})
        found = next((s for s in listed if s.get("key") == olds["key"]), None)
        if found is None:
            return ReadResult("", {})
        if is_recovered(props):  # rebuilt from an interrupted put (an upsert): the next up puts the value again
            return ReadResult(
                id_,
                {
                    "scope": olds["scope"],
                    "key": olds["key"],
                    "last_updated_timestamp": found.get("last_updated_timestamp"),
                },
            )
        outs = dict(olds)
        if found.get("last_updated_timestamp") != olds.get("last_updated_timestamp"):
            outs["value_fingerprint"] = DRIFTED
            outs["last_updated_timestamp"] = found.get("last_updated_timestamp")
        return ReadResult(id_, outs)

    def delete(self, id_: str, props: Json) -> None:
        with contextlib.suppress(NotFound):  # the secret or its whole scope is already gone
            self.client().delete_secret(props["scope"], props["key"])

    def _put(self, label: str | None, props: Json, planned: list[Call], salt: str) -> Json:
        kind, value = secret_value(props)
        run = execute(label, planned, _HANDLERS, _PutRun(self.client(), props["scope"], props["key"], kind, value))
        return {
            "scope": props["scope"],
            "key": props["key"],
            "value_kind": kind,
            "value_fingerprint": fingerprint(value, salt),
            "fingerprint_salt": salt,
            "last_updated_timestamp": run.stamp,
        }


@dataclass
class _PutRun:
    """What a secret's put and list share: the value (kind and text), and the timestamp the list found."""

    client: ServingClient
    scope: str
    key: str
    kind: str
    value: str = field(repr=False)
    stamp: int | None = None


def _put_value(call: Call, run: _PutRun) -> None:
    run.client.put_secret(run.scope, run.key, **{f"{run.kind}_value": run.value})


def _read_stamp(call: Call, run: _PutRun) -> None:
    listed = run.client.list_secrets(run.scope)
    run.stamp = next((s.get("last_updated_timestamp") for s in listed if s.get("key") == run.key), None)


_HANDLERS: dict[Api, Handler[_PutRun]] = {
    api_paths.PUT_SECRET: _put_value,
    api_paths.LIST_SECRETS: _read_stamp,
}


class Secret(Resource, module="serving", name="Secret"):
    """A secret value in a scope; the value is always treated as a Pulumi secret and never output.

    ``config_reference`` is ``{{secrets/<scope>/<key>}}``, for an endpoint's config: a ``ServingEndpoint`` given
    it depends on this secret and does not look it up on the server at preview.
    """

    scope: pulumi.Output[str]
    key: pulumi.Output[str]
    last_updated_timestamp: pulumi.Output[int]
    config_reference: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        scope: pulumi.Input[str],
        key: pulumi.Input[str],
        string_value: pulumi.Input[str] | None = None,
        bytes_value: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "scope": scope,
            "key": key,
            "string_value": pulumi.Output.secret(string_value) if string_value is not None else None,
            "bytes_value": pulumi.Output.secret(bytes_value) if bytes_value is not None else None,
            "last_updated_timestamp": None,
        }
        secret_outs = pulumi.ResourceOptions(additional_secret_outputs=["value_fingerprint", "fingerprint_salt"])
        super().__init__(SecretProvider(), resource_name, props, pulumi.ResourceOptions.merge(secret_outs, opts))
        self.config_reference = pulumi.Output.all(self.scope, self.key).apply(lambda sk: format_secret_ref(*sk))
        register(self.config_reference, self)
        #: the SecretScope declared in this program that holds this secret, when ``scope`` is its output
        self.declared_scope = scope_of(scope)
