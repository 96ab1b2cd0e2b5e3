"""Salted fingerprints of write-only values (secret values, ``*_plaintext`` keys).

State keeps ``hmac-sha256(salt, value)`` instead of the value, so a later run can tell whether the
declared value changed without the value ever being stored or compared in plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "hmac-sha256:"


def new_salt() -> str:
    """A fresh random salt (one per resource, stored next to its fingerprints)."""
    return secrets.token_hex(16)


def fingerprint(value: str | bytes, salt: str) -> str:
    data = value.encode() if isinstance(value, str) else value
    return PREFIX + hmac.new(bytes.fromhex(salt), data, hashlib.sha256).hexdigest()


def matches(value: str | bytes, salt: str, stored: str | None) -> bool:
    """True when ``value`` is the value ``stored`` was computed from (constant-time compare)."""
    return stored is not None and hmac.compare_digest(fingerprint(value, salt), stored)
