"""Common pydantic base: unknown fields rejected, no type coercion, ``None`` treated as absent."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class SpecModel(BaseModel):
    """Base for every API payload model."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    def to_api(self) -> dict[str, Any]:
        """The JSON body as a client would send it (absent fields omitted)."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)
