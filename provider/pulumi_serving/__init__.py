"""pulumi-serving: LLM model serving endpoints, secret scopes and rate limits as Pulumi resources.

Every resource and every typed argument class is importable from here (``from pulumi_serving import
ServingEndpoint, ServedEntityArgs``). They load on first use, so the CLI and the local server do not import Pulumi.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .renamed_modules import install_old_names

install_old_names()

if TYPE_CHECKING:
    from .generated_args import *  # noqa: F403
    from .resources import *  # noqa: F403


def __getattr__(name: str) -> Any:
    """``pulumi_serving.<...>Args`` from ``.generated_args``, any other public class name from ``.resources``."""
    if name[:1].isupper():
        module = importlib.import_module(f"{__name__}.{'generated_args' if name.endswith('Args') else 'resources'}")
        if name in module.__all__:
            value = getattr(module, name)
            globals()[name] = value
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    from .generated_args import __all__ as typed
    from .resources import __all__ as resources

    return sorted({*globals(), *resources, *typed})
