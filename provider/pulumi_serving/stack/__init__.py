"""The stack-file mode: a project's ``__main__.py`` is one call, ``pulumi_serving.stack.declare()``.

It reads the stack's ``serving:*`` declarations (``Pulumi.<stack>.yaml``), checks them against the bundled JSON
Schema and the spec, and declares the resources. The schemas ship in this package (``schemas.py``). The program
(``program.py``, which imports Pulumi) loads on first use, so reading a schema does not import Pulumi.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .schemas import bundled_schema

if TYPE_CHECKING:
    from .program import declare, declare_endpoints, declare_scopes, load

__all__ = ["bundled_schema", "declare", "declare_endpoints", "declare_scopes", "load"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module(f"{__name__}.program"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
