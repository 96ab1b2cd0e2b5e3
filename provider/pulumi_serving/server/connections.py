"""uvicorn's HTTP protocol with a deadline on request headers, so idle and slow (slowloris) clients are cut off.

uvicorn closes idle keep-alive connections (``timeout_keep_alive``) but lets a client that connects and
never finishes its request line and headers hold the connection forever. Here every request must complete
its headers within ``header_timeout_s`` of the connection or of its first byte; otherwise the connection is
closed. Body reads are bounded by :class:`~.guard.Guard`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


def protocol_with_header_timeout(header_timeout_s: float) -> type[asyncio.Protocol]:
    """An HTTP protocol class closing connections whose request headers take longer than ``header_timeout_s``."""

    class HeaderDeadlineProtocol(HttpToolsProtocol):
        _deadline: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            if self._deadline is None:
                self._deadline = self.loop.call_later(header_timeout_s, self._expire)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expire(self) -> None:
            self._deadline = None
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeaderDeadlineProtocol
