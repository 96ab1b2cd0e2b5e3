"""Common pydantic base: unknown fields rejected, no type coercion, text must be valid Unicode."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from .problems import join_path


def invalid_text_path(value: Any, path: str) -> str | None:
    """Path of the first string holding a lone surrogate (not encodable as UTF-8), or None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
    elif isinstance(value, dict):
        for key, item in value.items():
            found = invalid_text_path(key, path) or invalid_text_path(item, join_path(path, str(key)))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = invalid_text_path(item, join_path(path, index))
            if found is not None:
                return found
    return None


class SpecModel(BaseModel):
    """Base for every API payload model."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _valid_text(cls, data: Any) -> Any:
        path = invalid_text_path(data, "")
        if path is not None:
            raise ValueError(f"{path or 'value'}: text is not valid Unicode (lone surrogate escape)")
        return data

    def to_api(self) -> dict[str, Any]:
        """The JSON body as a client would send it (absent fields omitted)."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)
