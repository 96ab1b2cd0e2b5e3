"""A ServingEndpoint's declaration as one typed value, made once per process and passed from check to plan to
execute: whatever is derived from the declared inputs (the parsed config, its comparable view) is derived once.
The engine sends the same inputs to several provider calls of one process (check at preview, then create or
update): :meth:`ParsedEndpoint.of` hands each the same value. Pure, no I/O.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from .. import payloads
from ..payloads.secret_ref_syntax import SecretRef
from . import comparable_endpoint

if TYPE_CHECKING:
    from ..payloads import EndpointCoreConfigInput, Problem

Json = dict[str, Any]


@dataclass(frozen=True, eq=False)
class ParsedEndpoint:
    """The declared inputs ``props`` (plain JSON), and on first use: the config parsed as the API's
    ``EndpointCoreConfigInput`` (``config_problems`` when it is not valid) and the comparable view with the
    write-only values taken out. A config not known yet (preview) is never parsed: its checks are skipped first."""

    props: Json = field(repr=False)  # may hold ``*_plaintext`` values: never in a repr, a log or an error
    #: the values :meth:`of` made, by their inputs as canonical JSON (the oldest dropped past ``RECENT_MAX``)
    _recent: ClassVar[dict[str, ParsedEndpoint]] = {}
    RECENT_MAX: ClassVar[int] = 64

    @classmethod
    def of(cls, props: Json) -> ParsedEndpoint:
        """The value of ``props``, shared by every call of this process given equal inputs (a copy: a caller
        changing its dict later changes nothing here)."""
        key = json.dumps(props, sort_keys=True, default=str)
        parsed = cls._recent.get(key)
        if parsed is None:
            if len(cls._recent) >= cls.RECENT_MAX:
                del cls._recent[next(iter(cls._recent))]
            parsed = cls._recent[key] = cls(copy.deepcopy(props))
        return parsed

    @cached_property
    def _parsed(self) -> tuple[EndpointCoreConfigInput | None, list[Problem]]:
        config = self.props.get("config")
        if isinstance(config, dict):  # config.name is rejected on its own (plan.endpoint.rejections)
            config = {k: v for k, v in config.items() if k != "name"}
        return payloads.parse(payloads.EndpointCoreConfigInput, config, "config")

    @property
    def config(self) -> EndpointCoreConfigInput | None:
        """The parsed config; None when it is not valid."""
        return self._parsed[0]

    @property
    def config_problems(self) -> list[Problem]:
        """Why the config is not valid, each naming its field (``config.served_entities[0]...``)."""
        return self._parsed[1]

    @cached_property
    def _comparable(self) -> tuple[Json, dict[str, str]]:
        return comparable_endpoint.declared(self.props)

    @property
    def view(self) -> Json:
        """The comparable view of the declaration (what the planner compares, what outputs store)."""
        return self._comparable[0]

    @property
    def write_only(self) -> dict[str, str]:
        """``{write-only path: plaintext}`` of the config's ``*_plaintext`` values."""
        return self._comparable[1]

    @cached_property
    def references(self) -> list[tuple[str, SecretRef]]:
        """(path, ref) of each ``{{secrets/...}}`` the config uses; none when it is not valid."""
        return [(u.path, u.ref) for u in payloads.config_secret_uses(self.config, "config")] if self.config else []
