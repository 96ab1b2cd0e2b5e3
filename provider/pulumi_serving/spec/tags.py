"""Serving-endpoint tags and their bounds.

Databricks documents no limits on serving-endpoint tags, so these bounds are ours: generous for real use,
small enough that one endpoint cannot grow without bound (``docs/security.md``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from .base import SpecModel

TAG_KEY_MAX = 255
TAG_VALUE_MAX = 1000
MAX_TAGS_PER_ENDPOINT = 50


def tag_count_problem(count: int) -> str | None:
    """Why an endpoint cannot hold ``count`` tags, or None."""
    if count > MAX_TAGS_PER_ENDPOINT:
        return f"an endpoint holds at most {MAX_TAGS_PER_ENDPOINT} tags (got {count})"
    return None


class EndpointTag(SpecModel):
    key: str = Field(min_length=1, max_length=TAG_KEY_MAX)
    value: str | None = Field(default=None, max_length=TAG_VALUE_MAX)


def _bounded(tags: list[EndpointTag]) -> list[EndpointTag]:
    if problem := tag_count_problem(len(tags)):
        raise ValueError(problem)
    return tags


EndpointTags = Annotated[list[EndpointTag], AfterValidator(_bounded)]
