"""What a Databricks serving workspace does on its own, written down once (docs/databricks-api.md#echo-rules).

Used alike by the local server (to behave so), the planner (so that "apply then preview" shows no
changes), the gateway and the CLI: defaults the server fills in, fields GET never echoes, enums it
case-folds, task names and limits.
"""

from __future__ import annotations

from typing import Any

# task names of external-model endpoints
COMPLETIONS, CHAT, EMBEDDINGS = "llm/v1/completions", "llm/v1/chat", "llm/v1/embeddings"
#: what a caller assumes when an endpoint's task cannot be read
DEFAULT_TASK = COMPLETIONS

#: served-entity fields accepted on write that GET never returns
NOT_ECHOED_ENTITY_FIELDS: tuple[str, ...] = ("burst_scaling_enabled",)
#: credential fields ending in this suffix are write-only: stored sealed, never returned by GET
WRITE_ONLY_SUFFIX = "_plaintext"
#: served-entity values GET reports when the field was not sent (so sending them or not is the same)
ENTITY_DEFAULTS: dict[str, Any] = {"scale_to_zero_enabled": False, "workload_type": "CPU"}
#: endpoint fields create and GET always return, with the value they show when none was sent
ENDPOINT_ECHO_DEFAULTS: dict[str, Any] = {"description": "", "route_optimized": False}

#: ``openai_config.openai_api_type`` values are case-insensitive; absent means this one
DEFAULT_OPENAI_API_TYPE = "openai"


def is_write_only(key: str) -> bool:
    """True for ``*_plaintext`` credential fields, which GET never returns."""
    return key.endswith(WRITE_ONLY_SUFFIX)


def fold_openai_api_type(value: Any) -> str:
    """``openai_api_type`` as the server compares it: lower-cased, ``openai`` when absent."""
    return str(value or DEFAULT_OPENAI_API_TYPE).lower()


def fold_enum(value: Any) -> Any:
    """Enums the server accepts in any case (``provider``, ``bedrock_provider``), lower-cased."""
    return value.lower() if isinstance(value, str) else value


def default_routes(entity_names: list[str]) -> dict[str, Any] | None:
    """The 100% route the server fills in for a single served entity declared without ``traffic_config``."""
    if len(entity_names) != 1:
        return None
    (name,) = entity_names
    return {"routes": [{"served_entity_name": name, "served_model_name": name, "traffic_percentage": 100}]}
