"""Merge generated declarations into a stack file, keeping its comments, key order and other keys (ruamel.yaml
round-trip). Pure: text in, text out."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..spec.declarations import NAMESPACE
from .declarations import Generated

ENDPOINTS_KEY, SCOPES_KEY = f"{NAMESPACE}:endpoints", f"{NAMESPACE}:scopes"


class StackFileError(ValueError):
    """The stack file cannot be merged into (not YAML, or its ``config`` is not a mapping)."""


@dataclass(frozen=True)
class Merged:
    text: str
    added: tuple[str, ...]
    #: objects the file already declares (by name): left as they are
    skipped: tuple[str, ...]


def _yaml() -> YAML:
    yaml = YAML()  # round-trip mode: comments, order and quoting survive
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 120
    return yaml


def _commented(value: Any) -> Any:
    if isinstance(value, dict):
        return CommentedMap((k, _commented(v)) for k, v in value.items())
    if isinstance(value, list):
        return CommentedSeq(_commented(v) for v in value)
    return value


def merge(
    text: str | None, endpoints: Sequence[Generated] = (), scopes: Sequence[Generated] = (), header: str = ""
) -> Merged:
    """``text`` (a stack file, or None for a new one) with the generated scopes and endpoints appended to
    ``serving:scopes`` / ``serving:endpoints``; objects it already declares are skipped. Each added entry gets
    ``header`` and its notes as a comment above it."""
    yaml = _yaml()
    try:
        doc = yaml.load(text or "") if text and text.strip() else None
    except Exception as exc:  # ruamel raises many error types, all for a file that is not YAML
        raise StackFileError(f"not a YAML file: {str(exc).splitlines()[0]}") from None
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, dict):
        raise StackFileError("a stack file is a mapping (config: ...)")
    config = doc.setdefault("config", CommentedMap())
    if config is None:
        config = doc["config"] = CommentedMap()
    if not isinstance(config, dict):
        raise StackFileError("config: must be a mapping")
    added: list[str] = []
    skipped: list[str] = []
    for key, name_field, generated in ((SCOPES_KEY, "scope", scopes), (ENDPOINTS_KEY, "name", endpoints)):
        if not generated:
            continue
        entries = config.get(key)
        if entries is None:
            entries = config[key] = CommentedSeq()
        if not isinstance(entries, CommentedSeq):
            raise StackFileError(f"config.{key}: must be a list")
        declared = {e.get(name_field) for e in entries if isinstance(e, dict)}
        for item in generated:
            if item.name in declared:
                skipped.append(item.name)
                continue
            entries.append(_commented(item.declaration))
            lines = [header] if header else []
            entries.yaml_set_comment_before_after_key(
                len(entries) - 1,
                before="\n".join(part for line in [*lines, *item.notes] for part in textwrap.wrap(line, 110)),
                indent=4,
            )
            added.append(item.name)
    out = io.StringIO()
    yaml.dump(doc, out)
    return Merged(out.getvalue(), tuple(added), tuple(skipped))
