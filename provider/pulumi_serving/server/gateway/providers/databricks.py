"""Databricks model serving: another workspace's ``/serving-endpoints/{name}/invocations`` with its token;
the query and the answer are already the standard ones (streams: standard chunks over SSE)."""

from __future__ import annotations

from typing import Any

from ....payloads.api_paths import INVOCATIONS
from ..request import StandardRequest
from .base import Framing, Target, UpstreamCall
from .openai import OpenAIStream, openai_body, translate_openai


class DatabricksModelServingAdapter:
    name = "databricks-model-serving"
    stream_format: Framing = "sse"

    def build(self, request: StandardRequest, target: Target) -> UpstreamCall:
        return UpstreamCall(
            target.base_url.rstrip("/") + INVOCATIONS.url(name=target.model),
            {"Authorization": f"Bearer {target.credential}"},
            openai_body(request, None),
        )

    def translate(self, request: StandardRequest, target: Target, body: dict[str, Any]) -> dict[str, Any]:
        return translate_openai(request, target, body)

    def stream(self, request: StandardRequest, target: Target) -> OpenAIStream:
        return OpenAIStream(request, target)
