"""Import paths of renamed modules keep working, with a ``DeprecationWarning`` naming the new path.

``pulumi_serving.spec`` is :mod:`pulumi_serving.payloads` (the Databricks payload models and rules) and
``pulumi_serving.args`` is :mod:`pulumi_serving.generated_args`, submodules included; internal modules renamed for
their jobs are listed too (``plan.calls`` is the table of API paths; the three "endpoint view" modules are named by their jobs). An old name resolves to the
renamed module object itself, so classes and enums are the same objects under both names.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import warnings
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.abc import Loader as _Loader
else:  # the import protocol is duck-typed; importlib.abc would load importlib.resources (~10 ms) in every process
    _Loader = object

OLD_TO_NEW = {
    "pulumi_serving.spec": "pulumi_serving.payloads",
    "pulumi_serving.args": "pulumi_serving.generated_args",
    "pulumi_serving.plan.calls": "pulumi_serving.payloads.api_paths",
    "pulumi_serving.plan.endpoint_view": "pulumi_serving.plan.comparable_endpoint",
    "pulumi_serving.server.endpoint_views": "pulumi_serving.server.endpoint_documents",
    "pulumi_serving.server.gateway.endpoint_view": "pulumi_serving.server.gateway.served_endpoint",
}


def _renamed(fullname: str) -> str | None:
    for old, new in OLD_TO_NEW.items():
        if fullname == old or fullname.startswith(old + "."):
            return new + fullname[len(old) :]
    return None


class _OldNameFinder(_Loader):
    """Finds an old module name and loads it as the renamed module."""

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        new = _renamed(fullname)
        return None if new is None else importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = _renamed(spec.name)
        assert new is not None
        warnings.warn(f"{spec.name} was renamed {new}; import it from there", DeprecationWarning, stacklevel=2)
        return importlib.import_module(new)

    def exec_module(self, module: ModuleType) -> None:
        """The renamed module is already executed."""


def install_old_names() -> None:
    """Puts the finder first (before the path finder, which would load a second copy), once per process."""
    if not any(isinstance(finder, _OldNameFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _OldNameFinder())
