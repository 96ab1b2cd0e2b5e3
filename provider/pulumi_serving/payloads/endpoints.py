"""Serving-endpoint payloads (docs/databricks-api.md#endpoint-operations): create, config, traffic, tags, AI gateway, permissions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from . import rate_limit_enums as limits
from .base import SpecModel
from .external_models import ExternalModel
from .names import default_served_entity_name, endpoint_name_problem, principal_name_problem, served_entity_name_problem
from .permission_levels import PermissionLevel
from .secret_ref_syntax import looks_like_secret_ref, parse_secret_ref
from .tags import EndpointTag, EndpointTags

#: Served entities per endpoint. SDK/TF text says 10, an open SDK issue says 15; we accept the larger.
MAX_SERVED_ENTITIES = 15
MAX_AI_GATEWAY_RATE_LIMITS = 20
MAX_AI_GATEWAY_GROUP_RATE_LIMITS = 5
#: A served entity's fields that make it a custom model (none of them goes with ``external_model``).
_CUSTOM_MODEL_FIELDS = ("entity_name", "entity_version", "workload_size", "workload_type", "scale_to_zero_enabled")

_CpuWorkloadType = Literal["CPU", "CPU_MEDIUM", "CPU_LARGE"]
_GpuWorkloadType = Literal["GPU_SMALL", "GPU_MEDIUM", "GPU_LARGE", "GPU_XLARGE", "GPU_XLARGE_8", "MULTIGPU_MEDIUM"]
WorkloadType = Literal[_CpuWorkloadType, _GpuWorkloadType]  # nested Literals flatten: one Literal of all nine

Count = Annotated[int, Field(ge=0)]


def _check_env_vars(env: dict[str, str] | None) -> None:
    for name, value in (env or {}).items():
        if looks_like_secret_ref(value):
            try:
                parse_secret_ref(value)
            except ValueError as exc:
                raise ValueError(f"environment_vars.{name}: {exc}") from None


def _entity_name(value: str | None) -> str | None:
    if value is not None and (problem := served_entity_name_problem(value)):
        raise ValueError(problem)
    return value


class _ServedCompute(SpecModel):
    """What served entities and legacy served models share: the name and the compute settings."""

    name: str | None = None
    workload_size: str | None = None
    workload_type: WorkloadType | None = None
    min_provisioned_concurrency: Count | None = None
    max_provisioned_concurrency: Count | None = None
    min_provisioned_throughput: Count | None = None
    max_provisioned_throughput: Count | None = None
    provisioned_model_units: Count | None = None
    burst_scaling_enabled: bool | None = None
    environment_vars: dict[str, str] | None = None
    instance_profile_arn: str | None = None

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str | None) -> str | None:
        return _entity_name(value)

    @model_validator(mode="after")
    def _env(self) -> _ServedCompute:
        _check_env_vars(self.environment_vars)
        return self


class ServedEntityInput(_ServedCompute):
    """One served entity: either an ``external_model`` or a custom/foundation model (``entity_name``...)."""

    external_model: ExternalModel | None = None
    entity_name: str | None = None
    entity_version: str | None = None
    scale_to_zero_enabled: bool | None = None

    @model_validator(mode="after")
    def _kind(self) -> ServedEntityInput:
        custom = [f for f in _CUSTOM_MODEL_FIELDS if getattr(self, f) is not None]
        if self.external_model is not None and custom:
            raise ValueError(f"external_model and {', '.join(custom)} are mutually exclusive")
        if self.external_model is None and self.entity_name is None:
            raise ValueError("one of external_model or entity_name is required")
        return self

    def effective_name(self) -> str:
        """``name``, or the default Databricks derives from the model."""
        if self.name:
            return self.name
        if self.external_model is not None:
            return default_served_entity_name(external_model_name=self.external_model.name) or ""
        return default_served_entity_name(entity_name=self.entity_name, entity_version=self.entity_version) or ""


class ServedModelInput(_ServedCompute):
    """Deprecated ``served_models`` item (no external models)."""

    model_name: str
    model_version: str
    scale_to_zero_enabled: bool

    def effective_name(self) -> str:
        default = default_served_entity_name(entity_name=self.model_name, entity_version=self.model_version)
        return self.name or default or ""

    def as_served_entity(self) -> ServedEntityInput:
        """The equivalent ``served_entities`` item."""
        data = self.model_dump(exclude_none=True, exclude={"model_name", "model_version"})
        data.update(name=self.effective_name(), entity_name=self.model_name, entity_version=self.model_version)
        return ServedEntityInput.model_validate(data)


class Route(SpecModel):
    served_entity_name: str | None = None
    served_model_name: str | None = None
    traffic_percentage: int = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _target(self) -> Route:
        if self.served_entity_name is None and self.served_model_name is None:
            raise ValueError("one of served_entity_name or served_model_name is required")
        if (
            self.served_entity_name is not None
            and self.served_model_name is not None
            and self.served_entity_name != self.served_model_name
        ):
            raise ValueError("served_entity_name and served_model_name must name the same entity")
        return self

    def target(self) -> str:
        return self.served_entity_name or self.served_model_name or ""


class TrafficConfig(SpecModel):
    routes: list[Route] | None = None


class AutoCaptureConfigInput(SpecModel):
    """Deprecated inference tables."""

    catalog_name: str | None = None
    schema_name: str | None = None
    table_name_prefix: str | None = None
    enabled: bool | None = None


class EndpointCoreConfigInput(SpecModel):
    """Body of ``PUT .../config`` and the ``config`` of a create request."""

    name: str | None = None
    served_entities: list[ServedEntityInput] | None = None
    served_models: list[ServedModelInput] | None = None
    traffic_config: TrafficConfig | None = None
    auto_capture_config: AutoCaptureConfigInput | None = None

    @model_validator(mode="after")
    def _consistent(self) -> EndpointCoreConfigInput:
        if self.served_entities is not None and self.served_models is not None:
            raise ValueError("served_entities and served_models are mutually exclusive (served_models is deprecated)")
        entities = self.entities()
        if not entities:
            raise ValueError("served_entities must contain at least one served entity")
        if len(entities) > MAX_SERVED_ENTITIES:
            raise ValueError(f"at most {MAX_SERVED_ENTITIES} served entities are allowed (got {len(entities)})")
        names = [e.effective_name() for e in entities]
        for index, name in enumerate(names):
            if problem := served_entity_name_problem(name):
                raise ValueError(f"{self._list_field()}[{index}].name: {problem}")
            if name in names[:index]:
                raise ValueError(f"{self._list_field()}[{index}].name: duplicate served entity name {name!r}")
        external = [e.external_model for e in entities if e.external_model is not None]
        if external and len(external) != len(entities):
            raise ValueError("an endpoint cannot mix external models with other served entities")
        tasks = sorted({m.task for m in external})
        if len(tasks) > 1:
            raise ValueError(f"all external models of an endpoint must share one task (got {', '.join(tasks)})")
        self._check_routes(names)
        return self

    def _list_field(self) -> str:
        return "served_models" if self.served_models is not None else "served_entities"

    def _check_routes(self, names: list[str]) -> None:
        routes = self.traffic_config.routes if self.traffic_config and self.traffic_config.routes else None
        if routes is None:
            if len(names) > 1:
                raise ValueError("traffic_config.routes is required when there is more than one served entity")
            return
        for index, route in enumerate(routes):
            if route.target() not in names:
                raise ValueError(
                    f"traffic_config.routes[{index}]: {route.target()!r} is not a served entity of this config"
                )
        targets = [r.target() for r in routes]
        if len(set(targets)) != len(targets):
            raise ValueError("traffic_config.routes: each served entity may appear in only one route")
        total = sum(r.traffic_percentage for r in routes)
        if total != 100:
            raise ValueError(f"traffic_config.routes: traffic_percentage values must sum to 100 (got {total})")

    def entities(self) -> list[ServedEntityInput]:
        """Served entities, converting the legacy ``served_models`` form."""
        if self.served_models is not None:
            return [m.as_served_entity() for m in self.served_models]
        return list(self.served_entities or [])

    def external_task(self) -> str | None:
        """The shared task of the external models, or None for a non-external config."""
        for entity in self.entities():
            if entity.external_model is not None:
                return entity.external_model.task
        return None


class EmailNotifications(SpecModel):
    on_update_failure: list[str] | None = None
    on_update_success: list[str] | None = None


class RateLimit(SpecModel):
    """Deprecated ``rate_limits`` item (``PUT .../rate-limits`` and create)."""

    calls: int = Field(ge=0)
    renewal_period: limits.RenewalPeriod
    key: limits.LegacyRateLimitKey | None = None


class PutRateLimitsRequest(SpecModel):
    rate_limits: list[RateLimit] | None = None


class AiGatewayRateLimit(SpecModel):
    """A calls (QPM) and/or tokens (TPM) limit for a key, optionally for one principal."""

    renewal_period: limits.RenewalPeriod
    calls: int | None = Field(default=None, ge=0)
    tokens: int | None = Field(default=None, ge=0)
    key: limits.RateLimitKey | None = None
    principal: str | None = None

    @model_validator(mode="after")
    def _meaningful(self) -> AiGatewayRateLimit:
        if self.calls is None and self.tokens is None:
            raise ValueError("one of calls or tokens is required")
        key = self.key or limits.DEFAULT_KEY
        if self.principal is not None and (problem := principal_name_problem(self.principal)):
            raise ValueError(f"principal: {problem}")
        if key in limits.KEYS_NAMING_A_PRINCIPAL and not self.principal:
            raise ValueError(f"principal is required when key is {key}")
        if key == limits.ENDPOINT and self.principal is not None:
            raise ValueError(f"principal is not allowed when key is {limits.ENDPOINT}")
        return self


class PiiBehavior(SpecModel):
    behavior: Literal["BLOCK", "MASK", "NONE"] | None = None


class GuardrailParameters(SpecModel):
    safety: bool | None = None
    pii: PiiBehavior | None = None
    invalid_keywords: list[str] | None = None
    valid_topics: list[str] | None = None


class Guardrails(SpecModel):
    input: GuardrailParameters | None = None
    output: GuardrailParameters | None = None


class InferenceTableConfig(SpecModel):
    enabled: bool | None = None
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name_prefix: str | None = None

    @model_validator(mode="after")
    def _location(self) -> InferenceTableConfig:
        if self.enabled and not (self.catalog_name and self.schema_name):
            raise ValueError("catalog_name and schema_name are required when enabled is true")
        return self


class UsageTrackingConfig(SpecModel):
    enabled: bool | None = None


class FallbackConfig(SpecModel):
    enabled: bool


class AiGatewayConfig(SpecModel):
    """Body and response of ``PUT .../ai-gateway`` (a full replacement of the gateway config)."""

    rate_limits: list[AiGatewayRateLimit] | None = None
    usage_tracking_config: UsageTrackingConfig | None = None
    inference_table_config: InferenceTableConfig | None = None
    guardrails: Guardrails | None = None
    fallback_config: FallbackConfig | None = None

    @model_validator(mode="after")
    def _limits(self) -> AiGatewayConfig:
        declared = self.rate_limits or []
        if len(declared) > MAX_AI_GATEWAY_RATE_LIMITS:
            raise ValueError(f"rate_limits: at most {MAX_AI_GATEWAY_RATE_LIMITS} rate limits (got {len(declared)})")
        groups = sum(1 for limit in declared if limit.key == limits.USER_GROUP)
        if groups > MAX_AI_GATEWAY_GROUP_RATE_LIMITS:
            raise ValueError(
                f"rate_limits: at most {MAX_AI_GATEWAY_GROUP_RATE_LIMITS} {limits.USER_GROUP} rate limits (got {groups})"
            )
        return self


class CreateServingEndpoint(SpecModel):
    """Body of ``POST /api/2.0/serving-endpoints``."""

    name: str
    config: EndpointCoreConfigInput | None = None
    ai_gateway: AiGatewayConfig | None = None
    rate_limits: list[RateLimit] | None = None
    tags: EndpointTags | None = None
    route_optimized: bool | None = None
    budget_policy_id: str | None = None
    usage_policy_id: str | None = None
    description: str | None = None
    email_notifications: EmailNotifications | None = None
    telemetry_config: dict[str, Any] | None = None

    @field_validator("name")
    @classmethod
    def _endpoint_name(cls, value: str) -> str:
        if problem := endpoint_name_problem(value):
            raise ValueError(problem)
        return value


class PatchTagsRequest(SpecModel):
    add_tags: list[EndpointTag] | None = None
    delete_tags: list[str] | None = None


class PatchNotificationsRequest(SpecModel):
    email_notifications: EmailNotifications | None = None


class PatchTelemetryRequest(SpecModel):
    """Body of ``PATCH .../telemetry-config``; omitting ``telemetry_config`` removes it."""

    telemetry_config: dict[str, Any] | None = None


class AccessControlRequest(SpecModel):
    """One ACL entry: exactly one of user_name, group_name, service_principal_name, plus a level."""

    user_name: str | None = None
    group_name: str | None = None
    service_principal_name: str | None = None
    permission_level: PermissionLevel

    @model_validator(mode="after")
    def _one_principal(self) -> AccessControlRequest:
        given = [f for f in ("user_name", "group_name", "service_principal_name") if getattr(self, f)]
        for field in given:
            if problem := principal_name_problem(getattr(self, field)):
                raise ValueError(f"{field}: {problem}")
        if len(given) != 1:
            raise ValueError(
                "exactly one of user_name, group_name or service_principal_name is required"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    def principal(self) -> tuple[str, str]:
        """(kind, name) with kind ``user_name``, ``group_name`` or ``service_principal_name``."""
        for kind in ("user_name", "group_name", "service_principal_name"):
            if value := getattr(self, kind):
                return kind, value
        raise AssertionError("validated")


class PermissionsRequest(SpecModel):
    """Body of ``PUT``/``PATCH /api/2.0/permissions/serving-endpoints/{id}``."""

    access_control_list: list[AccessControlRequest] | None = None
    serving_endpoint_id: str | None = None


def external_transition_problem(was_external: bool, is_external: bool) -> str | None:
    """Why a config cannot move between external-model and other served entities (docs/databricks-api.md#validation)."""
    if was_external and not is_external:
        return "an endpoint created with external models cannot drop them"
    if not was_external and is_external:
        return "an endpoint created without external models cannot add one"
    return None
