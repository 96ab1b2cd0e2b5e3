"""JSON on the data plane's hot path (request and upstream bodies, answers, stream events): orjson (server extra),
several times faster than the standard library; the standard library whenever orjson declines or would read
differently (integers beyond 64 bits, ``NaN``, nesting deeper than it allows, a lone surrogate), so what is
accepted, each value read and each error message stay the standard library's."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from ..json_response import compact_json

# orjson reads an integer beyond 64 bits as a float: any run of 19 digits goes to the standard library
_LONG_DIGITS = re.compile(rb"[0-9]{19}")
_LONG_DIGITS_TEXT = re.compile(r"[0-9]{19}")


def loads(raw: bytes | str) -> Any:
    """The JSON value of ``raw`` (UTF-8); raises what ``json.loads`` raises."""
    long_digits = _LONG_DIGITS.search(raw) if isinstance(raw, bytes) else _LONG_DIGITS_TEXT.search(raw)
    if long_digits is None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw)


def dumps(value: Any) -> bytes:
    """Compact JSON of ``value`` (non-ASCII text as UTF-8 when orjson writes it)."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError: a value it does not write
        return compact_json(value).encode()
