"""The base of the config blocks that hold credential pairs: exclusivity, reference syntax, presence."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import model_validator

from ..base import SpecModel
from ..secret_ref_syntax import parse_secret_ref
from .provider import CredentialPair


class CredentialBlock(SpecModel):
    """``_pairs`` are the block's credential pairs; by default each is required (``_check_rules``)."""

    _pairs: ClassVar[tuple[CredentialPair, ...]] = ()

    def _pair_set(self, pair: CredentialPair) -> tuple[bool, bool]:
        return getattr(self, pair.field) is not None, getattr(self, pair.plaintext_field) is not None

    def _require(self, pair: CredentialPair, why: str = "") -> None:
        if not any(self._pair_set(pair)):
            raise ValueError(f"one of {pair.field} or {pair.plaintext_field} is required{why}")

    @model_validator(mode="after")
    def _check_pairs(self) -> Any:
        for pair in self._pairs:
            ref_set, plain_set = self._pair_set(pair)
            if ref_set and plain_set:
                raise ValueError(f"{pair.field} and {pair.plaintext_field} are mutually exclusive")
            if ref_set:
                try:
                    parse_secret_ref(getattr(self, pair.field))
                except ValueError as exc:
                    raise ValueError(f"{pair.field}: {exc}") from None
            if plain_set and not getattr(self, pair.plaintext_field):
                raise ValueError(f"{pair.plaintext_field} must not be empty")
        self._check_rules()
        return self

    def _check_rules(self) -> None:
        for pair in self._pairs:
            self._require(pair)


def credential_pair(block: str, field: str) -> CredentialPair:
    """The pair ``field`` / ``field_plaintext`` of ``block``."""
    return CredentialPair(block, field, f"{field}_plaintext")
