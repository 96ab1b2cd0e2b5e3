"""uvicorn's HTTP protocol with a deadline on request headers, writes coalesced per event-loop turn, and an
optional stand-in for its access logger.

uvicorn closes idle keep-alive connections (``timeout_keep_alive``) but lets a client that connects and
never finishes its request line and headers hold the connection forever. Here every request must complete
its headers within ``header_timeout_s`` of the connection or of its first byte; otherwise the connection is
closed. Body reads are bounded by :class:`~.guard.Admission`.

uvicorn writes a response's status line and headers, then each body part, with one ``send`` system call each;
on loopback each costs as much as the Python work of a small call. :class:`CoalescingTransport` joins the
writes made in one turn of the event loop into one ``send`` at the end of that turn (a response's head and
body, a stream's head and first events, its last event and its terminator), never holding bytes longer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class CoalescingTransport:
    """A transport whose writes leave together once the current event-loop turn ends; ``close`` sends what
    is pending first. Everything else is the wrapped transport's."""

    __slots__ = ("_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] | None = None

    def write(self, data: bytes) -> None:
        if self._pending is None:
            self._pending = [data]
            self._loop.call_soon(self.flush)
        else:
            self._pending.append(data)

    def flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending and not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def protocol_with_header_timeout(
    header_timeout_s: float, access_logger: Callable[[logging.Logger], Any] | None = None
) -> type[asyncio.Protocol]:
    """An HTTP protocol class closing connections whose request headers take longer than ``header_timeout_s``;
    ``access_logger`` wraps uvicorn's access logger (it receives uvicorn's access-log calls instead)."""

    class HeaderDeadlineProtocol(HttpToolsProtocol):
        _deadline: asyncio.TimerHandle | None = None

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if access_logger is not None:
                self.access_logger = access_logger(self.access_logger)

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
            super().connection_made(cast(asyncio.Transport, CoalescingTransport(transport, self.loop)))
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
