"""The repo's generator scripts (``schemas/generate.py``, ``docs/generate.py``, ``scripts/gen_args.py``) loaded as
modules, so tests can compare what they render with the checked-in files."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from .pulumi_stack import REPO_ROOT


def load_script(relative_path: str) -> ModuleType:
    """The script at ``REPO_ROOT/relative_path``, executed as a fresh module."""
    path = REPO_ROOT / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
