"""The Pulumi project a stack file belongs to, and its ``config:`` values that Pulumi merges under the stack's.

Pulumi finds the project as the nearest ``Pulumi.yaml`` (or ``Pulumi.yml``) and the stack files in its
``stackConfigDir`` (default: beside it). A project ``config:`` entry of another namespace (``serving:endpoints``) is a
value, written as is (a scalar or a list) or as ``{value: ...}``; an entry of the project's own namespace may give a
``default``. A key the stack file sets replaces the project's value whole (docs/environments.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")


@dataclass(frozen=True)
class ProjectConfig:
    """``config:`` of one ``Pulumi.yaml``: each key's value, and the keys written ``{value: ...}`` or
    ``{default: ...}`` (by that attribute: their value sits one level deeper in the file)."""

    path: Path
    text: str
    values: dict[str, Any]
    wrapped: dict[str, str]

    def file_path(self, key: str) -> str:
        """Where ``config.<key>`` of the merged config sits in this file."""
        return f"config.{key}.{self.wrapped[key]}" if key in self.wrapped else f"config.{key}"


def _project_file(directory: Path) -> Path | None:
    return next((directory / name for name in PROJECT_FILES if (directory / name).is_file()), None)


def find_project(stack_file: Path) -> ProjectConfig | None:
    """The project owning ``stack_file``: the nearest project file at or above it whose stack config directory is
    the stack file's; None when there is none (or it cannot be read: the stack file is then checked alone)."""
    here = stack_file.resolve().parent
    for directory in (here, *here.parents):
        found = _project_file(directory)
        if found is None:
            continue
        try:
            text = found.read_text()
            document = yaml.safe_load(text)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return None
        if not isinstance(document, dict):
            return None
        config = document.get("config")
        stack_dir = document.get("stackConfigDir") or (config if isinstance(config, str) else ".")
        if not isinstance(stack_dir, str) or (directory / stack_dir).resolve() != here:
            return None
        return _project_config(found, text, config if isinstance(config, dict) else {})
    return None


def _project_config(path: Path, text: str, config: dict[str, Any]) -> ProjectConfig:
    values: dict[str, Any] = {}
    wrapped = {}
    for key, entry in config.items():
        attribute = next((a for a in ("value", "default") if isinstance(entry, dict) and a in entry), None)
        if attribute:
            values[str(key)] = entry[attribute]
            wrapped[str(key)] = attribute
        elif not isinstance(entry, dict):
            values[str(key)] = entry
    return ProjectConfig(path, text, values, wrapped)
