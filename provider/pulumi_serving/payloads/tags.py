"""The serving-endpoint tag model, within the bounds of ``tag_rules.py``."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from .base import SpecModel
from .tag_rules import TAG_KEY_MAX, TAG_VALUE_MAX, tag_count_problem


class EndpointTag(SpecModel):
    key: str = Field(min_length=1, max_length=TAG_KEY_MAX)
    value: str | None = Field(default=None, max_length=TAG_VALUE_MAX)


def _bounded(tags: list[EndpointTag]) -> list[EndpointTag]:
    if problem := tag_count_problem(len(tags)):
        raise ValueError(problem)
    return tags


EndpointTags = Annotated[list[EndpointTag], AfterValidator(_bounded)]
