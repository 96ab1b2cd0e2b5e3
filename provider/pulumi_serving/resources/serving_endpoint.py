"""ServingEndpoint: a Databricks serving endpoint (external models, traffic, tags, AI gateway, notifications)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from ..client import AlreadyExists, NotFound, ServingClient
from ..generated_args import (
    AiGatewayConfigArgs,
    AiGatewayRateLimitArgs,
    AutoCaptureConfigArgs,
    EmailNotificationsArgs,
    EndpointCoreConfigArgs,
    EndpointTagArgs,
    ServedEntityArgs,
    ServedModelArgs,
    TrafficConfigArgs,
)
from ..payloads.endpoint_fields import ENDPOINT_FIELDS
from ..payloads.server_behaviour import is_write_only
from ..payloads.tag_rules import tags_by_key
from ..plan import Call, Plan, comparable_endpoint, fingerprint, new_salt, normalize, plan_create, plan_endpoint
from ..plan.adoption import endpoint_adoption
from ..plan.compare import changed_paths
from ..plan.endpoint import plan_take_over
from ..plan.parsed_endpoint import ParsedEndpoint
from ..plan.references import OPT_IN, broken_reference_warning, references_in
from . import diagnostics
from .endpoint_calls import HANDLERS, EndpointRun
from .endpoint_checks import endpoint_problems, revoked_read_problems
from .executor import execute
from .ownership import OWNER_INPUT, endpoint_owner, is_recovered, owner_for
from .provider_base import (
    DEFAULT_WAIT_TIMEOUT,
    HIDDEN_INPUTS,
    Json,
    ServingProvider,
    has_unknowns,
    hidden,
    plain,
    shown,
)
from .rate_limits import RateLimits
from .readiness import EndpointsReady
from .reference_health import broken_references
from .secret_references import (
    declared_scopes,
    known_grants_input,
    known_scopes_input,
    known_secrets_input,
    referenced_secrets,
)

# how to apply, not what (the owner goes in a marker tag; the known_* and the opt-in: plan/references.py)
OPTIONS = ("adopt", "known_secrets", "known_scopes", "known_grants", OPT_IN, OWNER_INPUT)
INPUTS = ENDPOINT_FIELDS + OPTIONS


def _config_version(endpoint: Json) -> int | None:
    version = comparable_endpoint.target_config(endpoint).get("config_version")
    return int(version) if version is not None else None


class ServingEndpointProvider(ServingProvider):
    """CRUD for ``pulumi-python:dynamic/serving:ServingEndpoint``: executes the planner's calls."""

    kind, inputs = "ServingEndpoint", INPUTS

    def check_inputs(self, olds: Json, props: Json) -> list[CheckFailure]:
        new = ParsedEndpoint.of(props)  # parsed once, for every check below
        problems = endpoint_problems(ParsedEndpoint.of(olds), new, self.client)
        problems += revoked_read_problems(olds, new, self.client, self.principal)
        if not problems and props.get("adopt") is True and not olds and not has_unknowns(props):
            problems += self._preview_adoption(new, replacement=not self.enters_stack(olds))
        return problems

    def _preview_adoption(self, new: ParsedEndpoint, *, replacement: bool) -> list[CheckFailure]:
        """At the first preview of an ``adopt`` endpoint: what ``up`` changes on the live one (if there is one),
        or why it cannot be adopted (a field only a replacement changes), before anything runs. A replacement (a
        rename) that finds no endpoint under the new name is a plain create: nothing to say."""
        name = new.props["endpoint_name"]
        try:
            endpoint = self.client().get_endpoint(name)
        except NotFound:
            if not replacement:
                diagnostics.info(f"adopt: no serving endpoint {name!r} on the server: `up` creates it")
            return []
        live = comparable_endpoint.live(endpoint, new.view["config"])
        owner = new.props.get(OWNER_INPUT)
        marked = bool(owner) and endpoint_owner(endpoint) == owner
        plan = plan_take_over(live, new, marked=marked)
        if plan.replaces:
            return [
                CheckFailure(
                    "",
                    f"{r.path}: serving endpoint {name!r} cannot be adopted with this value ({r.reason}); declare "
                    f"{_live_value(live, r.path)} to adopt it, then change it in a later update (which replaces "
                    "the endpoint)",
                )
                for r in plan.replaces
            ]
        diagnostics.warn(endpoint_adoption(name, live, new.view, plan, None if marked else owner))
        return []

    def plan(self, olds: Json, props: Json) -> Plan:
        return plan_endpoint(olds, ParsedEndpoint.of(props))

    def label(self, props: Json) -> str:
        return f"ServingEndpoint {shown(props.get('endpoint_name'))}"

    def same_identity(self, olds: Json, props: Json) -> bool:
        return olds.get("endpoint_name") == props.get("endpoint_name")

    def create(self, props: Json) -> CreateResult:
        new = ParsedEndpoint.of(plain(props))
        client, name = self.client(), new.props["endpoint_name"]
        try:
            endpoint = self._execute(client, new.props, plan_create(new).calls)
            diagnostics.info(f"created endpoint {name!r}")
        except AlreadyExists as exc:
            endpoint = self._take_over(client, new, exc)
        return CreateResult(name, self._applied(client, new, endpoint or client.get_endpoint(name), new_salt()))

    def _take_over(self, client: ServingClient, new: ParsedEndpoint, exc: AlreadyExists) -> Json:
        """Adopt an existing endpoint (or resume this create's own POST whose answer was lost): plan against it."""
        props, name = new.props, new.props["endpoint_name"]
        endpoint = client.get_endpoint(name)
        live = comparable_endpoint.live(endpoint, new.view["config"])
        # Without adopt, only an endpoint this resource created is taken over: it carries this resource's
        # ownership marker (an interrupted earlier run created it), or the POST was retried (an earlier
        # attempt may have succeeded without its answer arriving) and the endpoint matches.
        marked = bool(props.get(OWNER_INPUT)) and endpoint_owner(endpoint) == props[OWNER_INPUT]
        ours = marked or (exc.attempts > 1 and not changed_paths(live, new.view))
        if not props.get("adopt") and not ours:
            raise AlreadyExists(
                409,
                "RESOURCE_ALREADY_EXISTS",
                f"serving endpoint {name!r} already exists and this stack did not create it; "
                "set adopt=True (`adopt: true` in a stack file) to take it over, reconcile it "
                "to this declaration and delete it on destroy, or choose another name",
            ) from None
        diagnostics.info(f"{self.label(props)}: endpoint exists: {'adopting' if props.get('adopt') else 'resuming'} it")
        plan = plan_take_over(live, new, marked=marked)
        if plan.replaces:
            raise AlreadyExists(
                409,
                "RESOURCE_ALREADY_EXISTS",
                f"serving endpoint {name!r} cannot be adopted: "
                + "; ".join(f"{r.path}: {r.reason}" for r in plan.replaces),
            ) from None
        return self._execute(client, props, plan.calls) or endpoint

    def _execute(self, client: ServingClient, props: Json, planned: list[Call]) -> Json | None:
        """Send ``planned``; the last endpoint body a call answered with (None when none did)."""
        return execute(self.label(props), planned, HANDLERS, EndpointRun(client, props["endpoint_name"])).endpoint

    def update(self, id_: str, olds: Json, news: Json) -> UpdateResult:
        new, olds = ParsedEndpoint.of(plain(news)), plain(olds)
        client, name = self.client(), new.props["endpoint_name"]
        endpoint = self._execute(client, new.props, plan_endpoint(olds, new).calls)
        return UpdateResult(
            self._applied(
                client, new, endpoint or client.get_endpoint(name), olds.get("fingerprint_salt") or new_salt()
            )
        )

    def read(self, id_: str, props: Json) -> ReadResult:
        olds = plain(props)
        client = self.client()
        try:
            endpoint = client.get_endpoint(id_)
        except NotFound:
            return ReadResult("", {})
        if is_recovered(props):  # rebuilt from an interrupted create: ours only if it carries our marker
            if not olds.get(OWNER_INPUT) or endpoint_owner(endpoint) != olds[OWNER_INPUT]:
                return ReadResult("", {})
            return ReadResult(
                id_,
                self._outputs(
                    client, olds, endpoint, olds.get("fingerprint_salt") or new_salt(), {}, olds.get("config") or {}
                ),
            )
        outs = self._outputs(
            client,
            olds,
            endpoint,
            olds.get("fingerprint_salt") or new_salt(),
            olds.get("write_only") or {},
            olds.get("config") or {},
        )
        broken = broken_references(client, references_in(outs.get("config")))
        for ref, reason in broken.items():
            _warn_once(broken_reference_warning(str(outs.get("endpoint_name") or id_), ref, reason))
        if broken:
            outs["broken_references"] = broken
        drifted = comparable_endpoint.stored(outs) != comparable_endpoint.stored(olds)
        return ReadResult(id_, outs, self._inputs_from(outs) if drifted else None)

    def diff(self, id_: str, olds: Json, news: Json) -> DiffResult:
        """The planner's diff; references refresh found broken are checked again and warned about until fixed."""
        recorded = (olds or {}).get("broken_references") or {}
        if recorded:
            refs = [r for r in references_in(plain(news).get("config")) if str(r) in recorded]
            for ref, reason in broken_references(self.client(), refs).items():
                _warn_once(broken_reference_warning(str(plain(news).get("endpoint_name") or id_), ref, reason))
        return super().diff(id_, olds, news)

    def delete(self, id_: str, props: Json) -> None:
        with contextlib.suppress(NotFound):
            self.client().delete_endpoint(id_)

    def _applied(self, client: ServingClient, new: ParsedEndpoint, endpoint: Json, salt: str) -> Json:
        """Outputs after applying ``new``: write-only values recorded as salted fingerprints."""
        fingerprints = {path: fingerprint(value, salt) for path, value in new.write_only.items()}
        return self._outputs(client, new.props, endpoint, salt, fingerprints, new.view["config"])

    @staticmethod
    def _outputs(
        client: ServingClient, props: Json, endpoint: Json, salt: str, write_only: dict[str, str], config_view: Json
    ) -> Json:
        """The live view (what the planner compares next time) plus what the server reports.

        ``config_view`` is the last declared config view: fields GET never echoes are taken from it.
        """
        name = endpoint.get("name", props["endpoint_name"])
        view = comparable_endpoint.live(endpoint, config_view)
        if "tags" in view:
            view["tags"] = tags_by_key(view["tags"])
        return {
            **hidden({k: props[k] for k in OPTIONS if props.get(k)}),
            **view,
            "write_only": write_only,
            "fingerprint_salt": salt,
            "endpoint_id": endpoint.get("id"),
            "task": endpoint.get("task"),
            "state": {k: v for k, v in (endpoint.get("state") or {}).items() if k in ("ready", "config_update")},
            "config_version": _config_version(endpoint),
            "invocation_url": client.invocation_url(str(name)),
        }

    @staticmethod
    def _inputs_from(outs: Json) -> Json:
        """Inputs that declare what the server has now (refresh found drift); empty values are left out."""
        view = outs["config"]
        config: Json = {"served_entities": view.get("served_entities", [])}
        # the 100% route the server fills in for one entity is left out, as a declaration leaves it out
        if view.get("routes") and view["routes"] != normalize.traffic_routes({}, config["served_entities"]):
            config["traffic_config"] = {
                "routes": [
                    {"served_entity_name": r["name"], "traffic_percentage": r["traffic_percentage"]}
                    for r in view["routes"]
                ]
            }
        if view.get("auto_capture_config"):
            config["auto_capture_config"] = view["auto_capture_config"]
        inputs = {**comparable_endpoint.stored(outs), "config": config}
        if "tags" in inputs:
            inputs["tags"] = tags_by_key(inputs["tags"])
        inputs.update(hidden({k: plain(outs)[k] for k in OPTIONS if plain(outs).get(k)}))
        return inputs


_WARNED: set[str] = set()  # warnings given by this provider process (a refresh reads, then diffs)


def _warn_once(line: str) -> None:
    if line not in _WARNED:
        _WARNED.add(line)
        diagnostics.warn(line.removeprefix("warning: "))


def _live_value(view: Json, path: str) -> str:
    """What to declare to keep the live value at ``path``: the value itself for a top-level field."""
    if path in view and "." not in path:
        return f"its live value {json.dumps(view[path])}"
    return "it as the live endpoint has it" if path in view or "." in path else "it absent, as the live endpoint has it"


def _secret_write_only(value: Any) -> Any:
    """Wrap every ``*_plaintext`` value in a Pulumi secret so it is encrypted in state and masked in output."""
    if isinstance(value, dict):
        return {
            k: pulumi.Output.secret(v) if is_write_only(k) and v is not None else _secret_write_only(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_secret_write_only(v) for v in value]
    return value


def endpoint_config(config: Any = None, **sections: Any) -> Any:
    """The endpoint's ``config``: given whole, or assembled from its sections passed as typed arguments."""
    given = {name: value for name, value in sections.items() if value is not None}
    if config is not None and given:
        raise TypeError(f"ServingEndpoint: pass either config or {', '.join(sorted(given))}, not both")
    if config is None and not given:
        raise TypeError("ServingEndpoint: config (or served_entities / served_models) is required")
    return config if config is not None else given


class ServingEndpoint(Resource, module="serving", name="ServingEndpoint"):
    """A serving endpoint. ``config`` is the Databricks ``EndpointCoreConfigInput`` JSON (paste it as is), or
    pass its sections as typed arguments instead: ``served_entities``, ``traffic_config``, ``served_models``,
    ``auto_capture_config``. Every other field of the create request is an argument too: ``tags``,
    ``ai_gateway`` (without rate limits), ``route_optimized``, ``description``, ``email_notifications``,
    ``budget_policy_id``, ``usage_policy_id``, ``telemetry_config``, and ``rate_limits``, which becomes a child
    ``RateLimits`` (AI gateway rate limits). ``docs/planner.md`` shows which call sends each field.

    ``wait=True`` adds a child ``EndpointsReady`` that waits for the endpoint's config update (``wait_timeout``
    seconds: Pulumi's customTimeouts do not reach dynamic providers). The endpoint's own create and update
    never wait, so many endpoints roll out at once; a wait that times out or fails fails the ``up`` naming
    the endpoint, which stays in the state, and the next ``up`` resumes waiting. ``adopt=True`` takes over an
    existing endpoint of the same name. ``known_secrets`` lists ``scope/key`` pairs declared in the same
    program, so preview does not look them up on the server; a ``Secret.config_reference`` used in the config
    adds its secret there and to the endpoint's dependencies by itself. ``known_scopes`` lists the scopes declared
    in the program that the config uses (found by itself from those secrets, from a
    ``SecretScope.config_reference(key)`` in the config and from SecretScopes in ``depends_on``). An update that
    stops declaring one of them, or a secret of ``known_secrets``, while the config still references it is refused
    at preview unless ``allow_broken_references=True`` (docs/day-2.md). So is one that stops declaring a
    ``SecretAcl`` (the endpoint keeps the program's grants) through which the stack's principal reads a scope the
    config references, with no other grant left to it.
    """

    endpoint_name: pulumi.Output[str]
    config: pulumi.Output[dict]
    tags: pulumi.Output[dict]
    description: pulumi.Output[str]
    email_notifications: pulumi.Output[dict]
    state: pulumi.Output[dict]
    config_version: pulumi.Output[int]
    invocation_url: pulumi.Output[str]
    endpoint_id: pulumi.Output[str]
    task: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        endpoint_name: pulumi.Input[str],
        config: pulumi.Input[EndpointCoreConfigArgs] | None = None,
        served_entities: pulumi.Input[Sequence[pulumi.Input[ServedEntityArgs]]] | None = None,
        traffic_config: pulumi.Input[TrafficConfigArgs] | None = None,
        served_models: pulumi.Input[Sequence[pulumi.Input[ServedModelArgs]]] | None = None,
        auto_capture_config: pulumi.Input[AutoCaptureConfigArgs] | None = None,
        tags: pulumi.Input[Sequence[pulumi.Input[EndpointTagArgs]]] | pulumi.Input[Mapping[str, str]] | None = None,
        route_optimized: pulumi.Input[bool] | None = None,
        ai_gateway: pulumi.Input[AiGatewayConfigArgs] | None = None,
        description: pulumi.Input[str] | None = None,
        email_notifications: pulumi.Input[EmailNotificationsArgs] | None = None,
        budget_policy_id: pulumi.Input[str] | None = None,
        usage_policy_id: pulumi.Input[str] | None = None,
        telemetry_config: pulumi.Input[Mapping[str, Any]] | None = None,
        rate_limits: pulumi.Input[Sequence[pulumi.Input[AiGatewayRateLimitArgs]]] | None = None,
        adopt: bool = False,
        wait: bool = True,
        wait_timeout: float = DEFAULT_WAIT_TIMEOUT,
        known_secrets: list[str] | None = None,
        known_scopes: list[str] | None = None,
        allow_broken_references: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        config = endpoint_config(
            config,
            served_entities=served_entities,
            traffic_config=traffic_config,
            served_models=served_models,
            auto_capture_config=auto_capture_config,
        )
        secrets = referenced_secrets(config)
        scopes = declared_scopes(config, secrets, (opts.depends_on if opts else None))
        props = {
            "endpoint_name": endpoint_name,
            "config": _secret_write_only(config),
            "tags": None if tags is None else pulumi.Output.from_input(tags).apply(tags_by_key),
            "route_optimized": route_optimized,
            "ai_gateway": ai_gateway,
            "description": description,
            "email_notifications": email_notifications,
            "budget_policy_id": budget_policy_id,
            "usage_policy_id": usage_policy_id,
            "telemetry_config": telemetry_config,
            HIDDEN_INPUTS["adopt"]: adopt or None,
            HIDDEN_INPUTS["known_secrets"]: known_secrets_input(known_secrets, secrets),
            HIDDEN_INPUTS["known_scopes"]: known_scopes_input(known_scopes, scopes),
            HIDDEN_INPUTS["known_grants"]: known_grants_input(),
            OPT_IN: allow_broken_references or None,
            "state": None,
            "config_version": None,
            "invocation_url": None,
            "endpoint_id": None,
            "task": None,
            HIDDEN_INPUTS[OWNER_INPUT]: owner_for("ServingEndpoint", resource_name),
        }
        secret_outs = pulumi.ResourceOptions(additional_secret_outputs=["write_only"], depends_on=[*secrets, *scopes])
        super().__init__(
            ServingEndpointProvider(), resource_name, props, pulumi.ResourceOptions.merge(secret_outs, opts)
        )
        child = pulumi.ResourceOptions(parent=self)
        ready = (
            EndpointsReady(f"{resource_name}-ready", endpoints=[self], wait_timeout=wait_timeout, opts=child)
            if wait
            else None
        )
        if ready is not None:  # the state once the rollout finished, not the one the create answered with
            self.state = pulumi.Output.all(ready.states, self.endpoint_name).apply(
                lambda found: dict((found[0] or {}).get(found[1]) or {})
            )
        if rate_limits is not None:
            RateLimits(
                f"{resource_name}-rate-limits",
                endpoint=self,
                rate_limits=rate_limits,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[ready] if ready else []),
            )
