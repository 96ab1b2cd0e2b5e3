"""ServingEndpoint: a Databricks serving endpoint (external models, traffic, tags, AI gateway) as a resource."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, Resource, UpdateResult

from .. import spec
from ..args import (AiGatewayConfigArgs, AutoCaptureConfigArgs, EndpointCoreConfigArgs, EndpointTagArgs,
                    ServedEntityArgs, ServedModelArgs, TrafficConfigArgs)
from ..client import AlreadyExists, NotFound, ServingClient, UpdateFailed, WaitTimeout, wait_not_updating
from ..plan import diff_endpoint, endpoint_view, fingerprint, new_salt
from ..plan import normalize
from ..plan.compare import changed_paths
from ..plan.diff import CALL_CONFIG, CALL_WAIT
from ..plan.model import Change, Plan
from ..spec.ownership import OWNER_TAG_KEY, is_marker_tag
from .provider_base import DEFAULT_WAIT_TIMEOUT, Json, ServingProvider, failures, has_unknowns, plain, progress, shown
from .secret_existence import missing_secret_problems, used_refs
from .secret_references import known_secrets_input, referenced_secrets
from .ownership import OWNER_INPUT, endpoint_owner, is_recovered, owner_for, owner_tag
from .readiness import EndpointWaitOutcome

INPUTS = ("endpoint_name", "config", "tags", "route_optimized", "ai_gateway", "adopt", "wait", "wait_timeout",
          "known_secrets", OWNER_INPUT)
OPTIONS = ("adopt", "wait", "wait_timeout", "known_secrets", OWNER_INPUT)


def _target_config(endpoint: Json) -> Json:
    """The config the endpoint is converging to: the pending one while an update runs."""
    return endpoint.get("pending_config") or endpoint.get("config") or {}


def _config_version(endpoint: Json) -> int | None:
    version = _target_config(endpoint).get("config_version")
    return int(version) if version is not None else None


def _create_body(props: Json) -> Json:
    body: Json = {"name": props["endpoint_name"], "config": props["config"]}
    tags = normalize.tags(props.get("tags")) + ([owner_tag(props[OWNER_INPUT])] if props.get(OWNER_INPUT) else [])
    if tags:
        body["tags"] = tags
    if props.get("route_optimized") is not None:
        body["route_optimized"] = props["route_optimized"]
    if props.get("ai_gateway"):
        body["ai_gateway"] = props["ai_gateway"]
    return body


def _live_view(endpoint: Json, declared_view: Json) -> Json:
    live = normalize.endpoint_config(_target_config(endpoint))
    return normalize.with_not_echoed(live, normalize.not_echoed(declared_view))


class ServingEndpointProvider(ServingProvider):
    """CRUD for ``pulumi-python:dynamic/serving:ServingEndpoint``."""

    kind, inputs = "ServingEndpoint", INPUTS

    # check
    def check_inputs(self, olds: Json, props: Json) -> list[CheckFailure]:
        problems: list[CheckFailure] = []
        name = props.get("endpoint_name")
        if not has_unknowns(name) and (reason := spec.names.endpoint_name_problem(name)):
            problems.append(CheckFailure("endpoint_name", f"endpoint_name: {reason}"))
        problems += self._check_config(olds, props)
        if props.get("tags") is not None and not has_unknowns(props["tags"]):
            problems += self._check_tags(props["tags"])
        gateway = props.get("ai_gateway")
        if gateway is not None and not has_unknowns(gateway):
            if isinstance(gateway, dict) and gateway.get("rate_limits"):
                problems.append(CheckFailure("ai_gateway", "ai_gateway.rate_limits: declare rate limits with the "
                                                           "RateLimits resource, not on the endpoint"))
            else:
                problems += failures("ai_gateway", spec.validate_ai_gateway(gateway))
        for flag in ("route_optimized", "adopt", "wait"):
            if props.get(flag) is not None and not isinstance(props[flag], bool):
                problems.append(CheckFailure(flag, f"{flag}: must be true or false"))
        timeout = props.get("wait_timeout")
        if timeout is not None and (not isinstance(timeout, (int, float)) or timeout <= 0):
            problems.append(CheckFailure("wait_timeout", "wait_timeout: must be a positive number of seconds"))
        return problems

    def _check_config(self, olds: Json, props: Json) -> list[CheckFailure]:
        config = props.get("config")
        if config is None:
            return [CheckFailure("config", "config: is required (served_entities and optional traffic_config)")]
        if has_unknowns(config):
            return []
        problems = spec.validate_endpoint_config(config, "config")
        if problems:
            return failures("config", problems)
        parsed = spec.EndpointCoreConfigInput.model_validate(config)
        checked: set[str] = set()
        old_config = olds.get("config")
        if old_config and not has_unknowns(old_config) and not spec.validate_endpoint_config(old_config):
            checked = used_refs(spec.EndpointCoreConfigInput.model_validate(old_config))
        missing = missing_secret_problems(self.client, parsed, props.get("known_secrets") or [], checked)
        return [CheckFailure("config", f"{path}: {reason}") for path, reason in missing]

    @staticmethod
    def _check_tags(value: Any) -> list[CheckFailure]:
        items = [{"key": k, "value": v} for k, v in value.items()] if isinstance(value, dict) else value
        if not isinstance(items, list):
            return [CheckFailure("tags", "tags: must be a list of {key, value} or a mapping")]
        problems = []
        for index, item in enumerate(items):
            problems += failures("tags", spec.check(spec.EndpointTag, item, f"tags[{index}]"))
            if isinstance(item, dict) and is_marker_tag(item.get("key")):
                problems.append(CheckFailure("tags", f"tags[{index}].key: {OWNER_TAG_KEY!r} is reserved for the "
                                                     "provider's ownership marker"))
        return problems

    # diff
    def plan(self, olds: Json, props: Json) -> Plan:
        plan = diff_endpoint(olds, props)
        if olds.get("pending") and not plan.replaces:
            plan.changes.append(Change("state.config_update", CALL_WAIT))  # the create's wait did not finish
        return plan

    def label(self, props: Json) -> str:
        return f"ServingEndpoint {shown(props.get('endpoint_name'))}"

    def same_identity(self, olds: Json, props: Json) -> bool:
        return olds.get("endpoint_name") == props.get("endpoint_name")

    # create
    def create(self, props: Json) -> CreateResult:
        props = plain(props)
        client = self.client()
        name = props["endpoint_name"]
        declared_view, _ = endpoint_view(props)
        try:
            endpoint = client.create_endpoint(_create_body(props))
            progress(f"created endpoint {name!r}")
        except AlreadyExists as exc:
            endpoint = client.get_endpoint(name)
            # Without adopt, only an endpoint this resource created is taken over: it carries this resource's
            # ownership marker (an interrupted earlier run created it), or the POST was retried (an earlier
            # attempt may have succeeded without its answer arriving) and the config matches.
            ours = (bool(props.get(OWNER_INPUT)) and endpoint_owner(endpoint) == props[OWNER_INPUT]) or (
                exc.attempts > 1 and not changed_paths(_live_view(endpoint, declared_view), declared_view))
            if not props.get("adopt") and not ours:
                raise AlreadyExists(409, "RESOURCE_ALREADY_EXISTS",
                                    f"serving endpoint {name!r} already exists and this stack did not create it; "
                                    "set adopt=True (`adopt: true` in a stack file) to take it over, reconcile it "
                                    "to this declaration and delete it on destroy, or choose another name") from None
            progress(f"endpoint {name!r} already exists: {'adopting' if props.get('adopt') else 'resuming'} it")
            endpoint = self._reconcile(client, props, endpoint, write_only_changed=True)
        # The endpoint exists from here on: a failed wait must not fail the create, or the endpoint would be
        # left out of the state (and orphaned by destroy). It is recorded as pending instead; the resource's
        # EndpointWaitOutcome fails this `up`, and the next `up` resumes waiting (see diff).
        pending = ""
        try:
            endpoint = self._settle(client, props, endpoint)
        except (WaitTimeout, UpdateFailed) as exc:
            pending = str(exc)
            progress(pending)
            endpoint = client.get_endpoint(name)
        salt = new_salt()
        outs = self._outputs(client, props, endpoint, salt, self._fingerprints(props, salt))
        return CreateResult(name, {**outs, "pending": pending})

    # update
    def update(self, id_: str, olds: Json, news: Json) -> UpdateResult:
        props, olds = plain(news), plain(olds)
        client = self.client()
        plan = diff_endpoint(olds, props)
        write_only_changed = any(c.call == CALL_CONFIG and c.path.endswith("_plaintext") for c in plan.changes)
        endpoint = self._reconcile(client, props, client.get_endpoint(props["endpoint_name"]), write_only_changed)
        endpoint = self._settle(client, props, endpoint)
        salt = olds.get("fingerprint_salt") or new_salt()
        return UpdateResult(self._outputs(client, props, endpoint, salt, self._fingerprints(props, salt)))

    # read
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
            outs = self._outputs(client, olds, endpoint, olds.get("fingerprint_salt") or new_salt(), {})
            return ReadResult(id_, outs)
        outs = self._outputs(client, olds, endpoint, olds.get("fingerprint_salt") or new_salt(),
                             olds.get("write_only") or {}, declared_view=olds.get("config") or {})
        if olds.get("pending") and outs["state"].get("config_update") != "NOT_UPDATING":
            outs["pending"] = olds["pending"]  # still rolling out: the next up keeps waiting for it
        drifted = any(outs.get(k) != olds.get(k) for k in ("config", "tags", "ai_gateway", "route_optimized"))
        return ReadResult(id_, outs, self._inputs_from(outs) if drifted else None)

    # delete
    def delete(self, id_: str, props: Json) -> None:
        try:
            self.client().delete_endpoint(id_)
        except NotFound:
            pass

    # helpers
    def _reconcile(self, client: ServingClient, props: Json, live: Json, write_only_changed: bool) -> Json:
        """Send only the calls needed to bring ``live`` to the declaration; returns the latest endpoint body."""
        name = props["endpoint_name"]
        declared_view, _ = endpoint_view(props)
        wanted_tags = normalize.tags(props.get("tags"))
        live_tags = normalize.tags(live.get("tags"))
        owner = props.get(OWNER_INPUT)
        add_marker = [owner_tag(owner)] if owner and endpoint_owner(live) != owner else []
        if wanted_tags != live_tags or add_marker:
            wanted_keys = {t["key"] for t in wanted_tags}
            client.patch_tags(name, [t for t in wanted_tags if t not in live_tags] + add_marker,
                              [t["key"] for t in live_tags if t["key"] not in wanted_keys])
        needs_config = write_only_changed or bool(changed_paths(_live_view(live, declared_view), declared_view))
        needs_gateway = normalize.ai_gateway(live.get("ai_gateway")) != normalize.ai_gateway(props.get("ai_gateway"))
        if (needs_config or needs_gateway) and live.get("state", {}).get("config_update") == "IN_PROGRESS":
            live = self._wait(client, props, "a previous update")
        if needs_gateway:
            gateway = dict(props.get("ai_gateway") or {})
            if (live.get("ai_gateway") or {}).get("rate_limits"):
                gateway["rate_limits"] = live["ai_gateway"]["rate_limits"]
            client.put_ai_gateway(name, gateway)
        if needs_config:
            live = client.update_config(name, props["config"])
            progress(f"updating config of endpoint {name!r}")
        return live

    def _settle(self, client: ServingClient, props: Json, endpoint: Json) -> Json:
        if props.get("wait", True):
            return self._wait(client, props, "its config update")
        return client.get_endpoint(props["endpoint_name"])

    @staticmethod
    def _wait(client: ServingClient, props: Json, what: str) -> Json:
        name = props["endpoint_name"]
        timeout = float(props.get("wait_timeout") or DEFAULT_WAIT_TIMEOUT)
        try:
            return wait_not_updating(client, name, timeout=timeout, progress=progress)
        except WaitTimeout as exc:
            raise WaitTimeout(f"ServingEndpoint {name!r}: timed out waiting for {what}: {exc}") from None
        except UpdateFailed as exc:
            raise UpdateFailed(f"ServingEndpoint {name!r}: {exc}") from None

    @staticmethod
    def _fingerprints(props: Json, salt: str) -> dict[str, str]:
        return {path: fingerprint(value, salt) for path, value in endpoint_view(props)[1].items()}

    @staticmethod
    def _outputs(client: ServingClient, props: Json, endpoint: Json, salt: str, write_only: dict[str, str],
                 declared_view: Json | None = None) -> Json:
        if declared_view is None:
            declared_view = endpoint_view(props)[0]
        outs: Json = {k: props[k] for k in OPTIONS if k in props}
        outs.update({
            "endpoint_name": endpoint.get("name", props["endpoint_name"]),
            "config": _live_view(endpoint, declared_view),
            "tags": normalize.tags(endpoint.get("tags")),
            "route_optimized": bool(endpoint.get("route_optimized")),
            "ai_gateway": normalize.ai_gateway(endpoint.get("ai_gateway")),
            "write_only": write_only,
            "fingerprint_salt": salt,
            "endpoint_id": endpoint.get("id"),
            "task": endpoint.get("task"),
            "state": {k: v for k, v in (endpoint.get("state") or {}).items() if k in ("ready", "config_update")},
            "config_version": _config_version(endpoint),
            "invocation_url": client.invocation_url(endpoint.get("name", props["endpoint_name"])),
            "pending": "",  # why the create's wait did not finish ("" when it did): see create
        })
        return outs

    @staticmethod
    def _inputs_from(outs: Json) -> Json:
        """Inputs that declare what the server has now (used when refresh found drift)."""
        view = outs["config"]
        config: Json = {"served_entities": view.get("served_entities", [])}
        if view.get("routes"):
            config["traffic_config"] = {"routes": [{"served_entity_name": r["name"],
                                                    "traffic_percentage": r["traffic_percentage"]}
                                                   for r in view["routes"]]}
        inputs: Json = {k: outs[k] for k in OPTIONS if k in outs}
        inputs.update({"endpoint_name": outs["endpoint_name"], "config": config, "tags": outs["tags"],
                       "route_optimized": outs["route_optimized"], "ai_gateway": outs["ai_gateway"]})
        return inputs


def _secret_write_only(value: Any) -> Any:
    """Wrap every ``*_plaintext`` value in a Pulumi secret so it is encrypted in state and masked in output."""
    if isinstance(value, dict):
        return {k: pulumi.Output.secret(v) if normalize.is_write_only(k) and v is not None else _secret_write_only(v)
                for k, v in value.items()}
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
    ``auto_capture_config``.

    ``adopt=True`` takes over an existing endpoint of the same name; ``wait`` / ``wait_timeout`` control
    waiting for the config update (the provider's own timeout: Pulumi's customTimeouts do not reach
    dynamic providers). A create whose wait fails still succeeds, so the endpoint is in the state and
    ``destroy`` deletes it; its child ``EndpointWaitOutcome`` then fails the ``up``, and the next ``up``
    resumes waiting. ``known_secrets`` lists ``scope/key`` pairs declared in the same program so
    preview does not look them up on the server; a ``Secret.config_reference`` used in the config adds its
    secret there and to the endpoint's dependencies by itself.
    """

    endpoint_name: pulumi.Output[str]
    config: pulumi.Output[dict]
    tags: pulumi.Output[list]
    state: pulumi.Output[dict]
    config_version: pulumi.Output[int]
    invocation_url: pulumi.Output[str]
    endpoint_id: pulumi.Output[str]
    task: pulumi.Output[str]
    pending: pulumi.Output[str]

    def __init__(self, resource_name: str, *, endpoint_name: pulumi.Input[str],
                 config: pulumi.Input[EndpointCoreConfigArgs] | None = None,
                 served_entities: pulumi.Input[Sequence[pulumi.Input[ServedEntityArgs]]] | None = None,
                 traffic_config: pulumi.Input[TrafficConfigArgs] | None = None,
                 served_models: pulumi.Input[Sequence[pulumi.Input[ServedModelArgs]]] | None = None,
                 auto_capture_config: pulumi.Input[AutoCaptureConfigArgs] | None = None,
                 tags: pulumi.Input[Sequence[pulumi.Input[EndpointTagArgs]]] | pulumi.Input[Mapping[str, str]] | None = None,
                 route_optimized: pulumi.Input[bool] | None = None,
                 ai_gateway: pulumi.Input[AiGatewayConfigArgs] | None = None,
                 adopt: bool = False, wait: bool = True, wait_timeout: float = DEFAULT_WAIT_TIMEOUT,
                 known_secrets: list[str] | None = None, opts: pulumi.ResourceOptions | None = None) -> None:
        config = endpoint_config(config, served_entities=served_entities, traffic_config=traffic_config,
                                 served_models=served_models, auto_capture_config=auto_capture_config)
        secrets = referenced_secrets(config)
        props = {
            "endpoint_name": endpoint_name, "config": _secret_write_only(config), "tags": tags,
            "route_optimized": route_optimized, "ai_gateway": ai_gateway, "adopt": adopt, "wait": wait,
            "wait_timeout": wait_timeout, "known_secrets": known_secrets_input(known_secrets, secrets),
            "state": None, "config_version": None, "invocation_url": None, "endpoint_id": None, "task": None,
            "pending": None, OWNER_INPUT: owner_for("ServingEndpoint", resource_name),
        }
        secret_outs = pulumi.ResourceOptions(additional_secret_outputs=["write_only"], depends_on=secrets)
        super().__init__(ServingEndpointProvider(), resource_name, props, pulumi.ResourceOptions.merge(secret_outs, opts))
        if wait:
            EndpointWaitOutcome(f"{resource_name}-wait", endpoint=self.endpoint_name, pending=self.pending,
                                opts=pulumi.ResourceOptions(parent=self))
