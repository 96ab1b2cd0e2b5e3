"""Thin HTTP routes over the backend: parse, call one backend method, reply with its view."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse


class FastJSONResponse(JSONResponse):
    """Compact JSON, returned directly so FastAPI skips re-encoding the (already plain JSON) views."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":")).encode()


def reply(content: Any) -> FastJSONResponse:
    return FastJSONResponse(content)
