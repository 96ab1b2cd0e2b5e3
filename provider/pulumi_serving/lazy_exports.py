"""Packages that re-export their submodules' names load each submodule on first use (PEP 562).

A Pulumi run starts two Python processes that import this package (the program and the dynamic-provider host);
neither needs every module a package re-exports, so ``pulumi_serving.payloads.names`` must not build every payload
model, nor ``pulumi_serving.resources.secret`` import every other resource. A package lists its names in ``__all__``
and, for type checkers, in an ``if TYPE_CHECKING:`` import block; ``exports`` says which submodule holds each.
No exported name may be the name of another submodule: importing a submodule makes it the package's attribute
of that name, which would hide the exported one (tests/unit/test_lazy_imports.py checks it).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, Iterable[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``: ``exports`` maps a submodule to the names it provides
    (a submodule's own name exports the submodule). A name is imported on first use, then kept in the package."""
    home = {name: module for module, names in exports.items() for name in names}
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        module = home.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        loaded = importlib.import_module(f"{package}.{module}")
        value = loaded if name == module else getattr(loaded, name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *home})

    return __getattr__, __dir__
