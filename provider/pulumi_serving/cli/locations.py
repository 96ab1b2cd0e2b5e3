"""Where a problem's path (``config.serving:endpoints[0].config.name``) sits in a YAML file: line and column."""

from __future__ import annotations

import re

import yaml

_SEGMENT = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def path_segments(path: str) -> list[str | int]:
    """``a.b[0].c`` -> ``["a", "b", 0, "c"]``."""
    return [int(index) if index else key for index, key in _SEGMENT.findall(path)]


def locate(text: str, path: str) -> tuple[int, int] | None:
    """1-based (line, column) of the deepest node of ``path`` present in ``text``; a mapping key's own position
    when the path ends at it. None when the text is not YAML or the path's root is absent."""
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return None
    mark = None
    for segment in path_segments(path):
        child, child_mark = _child(node, segment)
        if child is None:
            break
        node, mark = child, child_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else None


def _child(node: yaml.Node | None, segment: str | int) -> tuple[yaml.Node | None, yaml.Mark | None]:
    if isinstance(node, yaml.MappingNode) and isinstance(segment, str):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == segment:
                return value, key.start_mark
    if isinstance(node, yaml.SequenceNode) and isinstance(segment, int) and segment < len(node.value):
        item = node.value[segment]
        return item, item.start_mark
    return None, None
