"""The payload checks the resources run on their inputs: every :class:`Problem` of a body (empty when valid)."""

from __future__ import annotations

from typing import Any

from .endpoints import AiGatewayConfig, EndpointCoreConfigInput
from .problems import Problem, check
from .secrets import PutAcl


def validate_endpoint_config(payload: Any, prefix: str = "") -> list[Problem]:
    """Problems in a ``PUT .../config`` body (pass ``prefix="config"`` for the create form)."""
    return check(EndpointCoreConfigInput, payload, prefix)


def validate_ai_gateway(payload: Any) -> list[Problem]:
    return check(AiGatewayConfig, payload)


def validate_put_acl(payload: Any) -> list[Problem]:
    return check(PutAcl, payload)
