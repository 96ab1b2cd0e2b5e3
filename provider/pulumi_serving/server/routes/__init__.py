"""Thin HTTP routes of the control plane over the backend: parse, call one backend method, reply with its view."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import InvalidParameterValue


def checked(field: str, value: str, problem: Callable[[object], str | None]) -> str:
    """``value`` when ``problem`` finds none; else 400 INVALID_PARAMETER_VALUE naming ``field`` and the reason."""
    if reason := problem(value):
        raise InvalidParameterValue(f"{field}: {reason}")
    return value
