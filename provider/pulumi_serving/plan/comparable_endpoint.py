"""An endpoint's comparable view: declared inputs and a GET body brought to one form (pure, no I/O).

The view is what a ServingEndpoint stores as outputs and what the planner compares. Empty values
(``None``, ``""``, ``[]``, ``{}``, ``false``) are left out on both sides: the server shows an unset
description as ``""``, an unset tag list as ``[]``, and so on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..payloads.endpoint_fields import ENDPOINT_FIELDS, SETTINGS_FIELDS
from . import normalize

Json = dict[str, Any]


def is_empty(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, (str, list, dict)) and not value)


def drop_empty(view: Json) -> Json:
    return {k: v for k, v in view.items() if not is_empty(v)}


def email_notifications(value: Any) -> Json:
    """Notification lists with order and duplicates ignored; empty lists == absent."""
    return {k: sorted(set(v)) for k, v in sorted((value or {}).items()) if v}


def target_config(endpoint: Json) -> Json:
    """The config an endpoint is converging to: the pending one while an update runs."""
    return endpoint.get("pending_config") or endpoint.get("config") or {}


def declared(props: Json) -> tuple[Json, dict[str, str]]:
    """(view, {write-only path: plaintext}) of a ServingEndpoint's declared inputs."""
    config, secrets = normalize.endpoint_config_and_secrets(props.get("config"))
    return _view(props.get("endpoint_name"), config, props), secrets


def live(endpoint: Json, declared_config: Json) -> Json:
    """View of a GET body, completed with last-applied values of fields GET never echoes."""
    config = normalize.with_not_echoed(
        normalize.endpoint_config(target_config(endpoint)), normalize.not_echoed(declared_config)
    )
    return _view(endpoint.get("name"), config, endpoint)


def _as_given(value: Any) -> Any:
    return value


#: how each field besides the name and config is brought to the view's form (text as given)
_COMPARABLE: dict[str, Callable[[Any], Any]] = {
    "tags": normalize.tags,
    "ai_gateway": normalize.ai_gateway,
    "route_optimized": bool,
    "email_notifications": email_notifications,
    "telemetry_config": normalize.prune,
}


def _view(name: Any, config: Json, source: Json) -> Json:
    settings = {field: _COMPARABLE.get(field, _as_given)(source.get(field)) for field in SETTINGS_FIELDS}
    return drop_empty({"endpoint_name": name, "config": config, **settings})


def stored(outputs: Json) -> Json:
    """The view part of stored outputs (older states kept empty values and tags as a list: both forms are brought
    to the view's here)."""
    view = {k: outputs.get(k) for k in ENDPOINT_FIELDS}
    view["tags"] = normalize.tags(view["tags"])
    return drop_empty(view)
