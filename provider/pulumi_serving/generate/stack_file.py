"""Merge generated declarations into a stack file, keeping its comments, key order and other keys (ruamel.yaml
round-trip). Pure: text in, text out.

A stack file whose project shares ``serving:scopes`` / ``serving:endpoints`` in ``Pulumi.yaml`` (and does not set
them itself) gets the generated objects under ``serving:stack_scopes`` / ``serving:stack_endpoints``: setting the
shared key in the stack file would replace the project's declarations for this stack (Pulumi merges config key by
key)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..payloads.declarations import NAMESPACE
from ..payloads.declarations.models import STACK_ONLY_KEYS
from .declarations import Generated

ENDPOINTS_KEY, SCOPES_KEY = f"{NAMESPACE}:endpoints", f"{NAMESPACE}:scopes"
STACK_KEYS = {f"{NAMESPACE}:{shared}": f"{NAMESPACE}:{own}" for shared, own in STACK_ONLY_KEYS.items()}


class StackFileError(ValueError):
    """The stack file cannot be merged into (not YAML, or its ``config`` is not a mapping)."""


@dataclass(frozen=True)
class Merged:
    text: str
    added: tuple[str, ...]
    #: objects the file (or its project) already declares (by name): left as they are
    skipped: tuple[str, ...]
    #: the config keys the added objects went under
    keys: tuple[str, ...] = ()


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


def _names(entries: Any, name_field: str) -> set[Any]:
    return {e.get(name_field) for e in entries if isinstance(e, dict)} if isinstance(entries, list) else set()


def merge(
    text: str | None,
    endpoints: Sequence[Generated] = (),
    scopes: Sequence[Generated] = (),
    header: str = "",
    project: Mapping[str, Any] | None = None,
) -> Merged:
    """``text`` (a stack file, or None for a new one) with the generated scopes and endpoints appended to
    ``serving:scopes`` / ``serving:endpoints``, or to ``serving:stack_scopes`` / ``serving:stack_endpoints`` when
    ``project`` (the ``config:`` values of the stack's ``Pulumi.yaml``) shares the former; objects the file or the
    project already declares are skipped. Each added entry gets ``header`` and its notes as a comment above it."""
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
    project = project or {}
    added: list[str] = []
    skipped: list[str] = []
    keys: list[str] = []
    for shared_key, name_field, generated in ((SCOPES_KEY, "scope", scopes), (ENDPOINTS_KEY, "name", endpoints)):
        if not generated:
            continue
        stack_key = STACK_KEYS[shared_key]
        key = stack_key if shared_key not in config and shared_key in project else shared_key
        declared = set().union(
            *(_names(source.get(k), name_field) for source in (config, project) for k in (shared_key, stack_key))
        )
        entries = config.get(key)
        if entries is None:
            entries = config[key] = CommentedSeq()
        if not isinstance(entries, CommentedSeq):
            raise StackFileError(f"config.{key}: must be a list")
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
            if key not in keys:
                keys.append(key)
    out = io.StringIO()
    yaml.dump(doc, out)
    return Merged(out.getvalue(), tuple(added), tuple(skipped), tuple(keys))
