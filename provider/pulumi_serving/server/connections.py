"""uvicorn's HTTP protocol with a deadline on request headers, a bound on pipelined requests, writes coalesced
per event-loop turn, and an optional stand-in for its access logger.

uvicorn closes idle keep-alive connections (``timeout_keep_alive``) but lets a client that connects and
never finishes its request line and headers hold the connection forever. Here every request must complete
its headers within ``header_timeout_s`` of the connection or of its first byte; otherwise the connection is
closed. Body reads are bounded by :class:`~.guard.Admission`.

uvicorn parses every request of a received chunk and queues the pipelined ones, so one chunk of thousands of
tiny requests costs thousands of queued request objects before the first answer (a 401 for a client without a
token) closes the connection. Here a connection has at most ``PIPELINE_DEPTH_BEFORE_AUTH`` requests parsed and
unanswered until one of its requests authenticated, ``PIPELINE_DEPTH`` after; parsing stops at the next one,
the rest of what the client sends is discarded, and the connection closes once the parsed requests are
answered. Requests queued on a closed connection are released with it.

uvicorn writes a response's status line and headers, then each body part, with one ``send`` system call each;
on loopback each costs as much as the Python work of a small call. :class:`CoalescingTransport` joins the
writes made in one turn of the event loop into one ``send`` at the end of that turn (a response's head and
body, a stream's head and first events, its last event and its terminator), never holding bytes longer.

A connection closed while its client may still be sending (a 401, 408 or 413 before the whole body arrived, a
full pipeline) lingers: the answer leaves with a FIN, what arrives after it is read and discarded until the client
closes or ``LINGER_S`` passes. Closing a socket with unread bytes makes the kernel answer with a reset, which can
destroy the answer in flight (the client then sees a reset, not the 408 telling it why).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, cast

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .guard import CONNECTION_KEY, Connection
from .settings import LINGER_S, PIPELINE_DEPTH, PIPELINE_DEPTH_BEFORE_AUTH


class PipelineFull(Exception):
    """Raised from the parser's message-begin callback: the connection has as many requests parsed ahead as
    it may; the parser stops there."""


class BoundedParser(httptools.HttpRequestParser):
    """httptools' request parser whose feed stops quietly at :class:`PipelineFull` (the protocol then stops
    reading); every other parse error is raised as before."""

    def __init__(self, protocol: Any, on_full: Callable[[], None]):
        super().__init__(protocol)
        self._on_full = on_full

    def feed_data(self, data: Any) -> None:
        try:
            super().feed_data(data)
        except httptools.HttpParserCallbackError as error:
            if not isinstance(error.__context__, PipelineFull):
                raise
            self._on_full()


class CoalescingTransport:
    """A transport whose writes leave together once the current event-loop turn ends; ``close`` sends what
    is pending first, and lingers when ``client_may_send()`` (see the module docstring). Everything else is the
    wrapped transport's."""

    __slots__ = ("_client_may_send", "_lingering", "_loop", "_pending", "_transport")

    def __init__(
        self,
        transport: asyncio.Transport,
        loop: asyncio.AbstractEventLoop,
        client_may_send: Callable[[], bool] = lambda: False,
    ):
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] | None = None
        self._client_may_send = client_may_send
        self._lingering: asyncio.TimerHandle | None = None

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
        transport = self._transport
        if (
            self._lingering is None
            and not transport.is_closing()
            and self._client_may_send()
            and transport.can_write_eof()
        ):
            transport.write_eof()
            transport.resume_reading()  # the protocol discards what arrives (``is_closing``)
            self._lingering = self._loop.call_later(LINGER_S, transport.close)
            return
        if self._lingering is not None:
            self._lingering.cancel()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._lingering is not None or self._transport.is_closing()

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
            self.parser = BoundedParser(self, self._stop_parsing)
            self.parser.set_dangerous_leniencies(lenient_data_after_close=True)  # as uvicorn sets its own
            self.connection = Connection()
            self.parsing_stopped = False

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
            coalescing = CoalescingTransport(transport, self.loop, self._client_may_send)
            super().connection_made(cast(asyncio.Transport, coalescing))
            self._arm()

        def data_received(self, data: bytes) -> None:
            if not self.parsing_stopped and not self.transport.is_closing():
                super().data_received(data)

        def _client_may_send(self) -> bool:
            """True while the client may still be sending: a request body not received whole, or requests past a
            full pipeline."""
            return self.parsing_stopped or (self.cycle is not None and self.cycle.more_body)

        def on_message_begin(self) -> None:
            depth = len(self.pipeline) + (self.cycle is not None and not self.cycle.response_complete)
            if depth >= (PIPELINE_DEPTH if self.connection.authenticated else PIPELINE_DEPTH_BEFORE_AUTH):
                raise PipelineFull
            super().on_message_begin()
            self.scope[CONNECTION_KEY] = self.connection  # type: ignore[literal-required]
            self._arm()

        def _stop_parsing(self) -> None:
            """No more requests on this connection: the last parsed one closes it once answered."""
            self.parsing_stopped = True
            self._disarm()
            self.transport.pause_reading()
            self.cycle.keep_alive = False  # the newest parsed request, unanswered while the pipeline is full

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            self.pipeline.clear()
            super().connection_lost(exc)

    return HeaderDeadlineProtocol
