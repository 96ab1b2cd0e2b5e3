"""Thin HTTP routes of the control plane over the backend: parse, call one backend method, reply with its view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

from ...payloads.api_paths import Api
from ..errors import InvalidParameterValue


def route(router: APIRouter, api: Api, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``router``'s decorator of the operation ``api`` (its method and path from the table of API paths)."""
    return router.api_route(api.path, methods=[api.method], **options)


def slash_route(router: APIRouter, api: Api) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The same operation with a trailing slash, left out of the API docs."""
    return router.api_route(api.path + "/", methods=[api.method], include_in_schema=False)


def checked(field: str, value: str, problem: Callable[[object], str | None]) -> str:
    """``value`` when ``problem`` finds none; else 400 INVALID_PARAMETER_VALUE naming ``field`` and the reason."""
    if reason := problem(value):
        raise InvalidParameterValue(f"{field}: {reason}")
    return value
