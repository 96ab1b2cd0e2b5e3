"""pulumi-serving: LLM model serving endpoints, secret scopes and rate limits as Pulumi resources.

Every resource and every typed argument class is importable from here (``from pulumi_serving import
ServingEndpoint, ServedEntityArgs``). They load on first use, so the CLI and the local server do not import Pulumi.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .args import *  # noqa: F403
    from .resources import (EndpointsReady, EndpointWaitOutcome, RateLimits, Secret, SecretAcl, SecretScope,
                            SecretScopeAcls, ServingEndpoint)

_RESOURCES = ("EndpointPermissions", "EndpointsReady", "EndpointWaitOutcome", "RateLimits", "Secret", "SecretAcl",
              "SecretScope", "SecretScopeAcls", "ServingEndpoint")


def __getattr__(name: str) -> Any:
    """``pulumi_serving.<Resource>`` from ``.resources``, ``pulumi_serving.<...>Args`` from ``.args``."""
    module = "resources" if name in _RESOURCES else "args" if name.endswith("Args") else None
    if module is not None:
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name, None)
        if value is not None:
            globals()[name] = value
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    from .args import __all__ as args

    return sorted({*globals(), *_RESOURCES, *args})
