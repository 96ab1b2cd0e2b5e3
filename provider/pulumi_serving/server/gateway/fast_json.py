"""JSON on the data plane's hot path (request and upstream bodies, answers, stream events): orjson when it is
installed, several times faster than the standard library; the standard library when it is not, and whenever
orjson declines or would read differently (integers beyond 64 bits, ``NaN``, nesting deeper than it allows, a
lone surrogate), so what is accepted, each value read and each error message stay the standard library's."""

from __future__ import annotations

import json
import re
from typing import Any

from ..json_response import compact_json

# orjson reads an integer beyond 64 bits as a float: any run of 19 digits goes to the standard library
_LONG_DIGITS = re.compile(rb"[0-9]{19}")

try:
    import orjson
except ImportError:  # pragma: no cover - installed with the server extra; the standard library then serves
    orjson = None  # type: ignore[assignment]


def loads(raw: bytes | str) -> Any:
    """The JSON value of ``raw`` (UTF-8); raises what ``json.loads`` raises."""
    if orjson is not None and _LONG_DIGITS.search(raw if isinstance(raw, bytes) else raw.encode()) is None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw)


def dumps(value: Any) -> bytes:
    """Compact JSON of ``value`` (non-ASCII text as UTF-8 when orjson writes it)."""
    if orjson is not None:
        try:
            return orjson.dumps(value)
        except TypeError:  # orjson.JSONEncodeError: a value it does not write
            pass
    return compact_json(value).encode()
