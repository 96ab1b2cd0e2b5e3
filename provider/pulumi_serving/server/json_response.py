"""JSON responses shared by the control plane and the gateway: compact, already-plain JSON content."""

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
