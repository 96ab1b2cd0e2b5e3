"""Principal names a reviewer should look at twice, as plan warnings (pure): a name that mixes scripts, or that
reads like another principal already granted or declared (``spec.principal_names``)."""

from __future__ import annotations

from collections.abc import Iterable

from ..payloads.principal_names import name_warnings


def principal_warnings(field: str, granted: Iterable[str], known: Iterable[str]) -> list[str]:
    """One warning per name of ``granted`` (being granted now) that could be misread, naming ``field``."""
    return [
        f"{field}: principal {name!a} {why}; check it is the principal you mean"
        for name, why in name_warnings(granted, known).items()
    ]
