"""An asyncio TCP server on a free loopback port, run in a daemon thread: the serve loop of the hand-written
test servers (the hostile upstream, the forward proxy)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Protocol, TypeVar


class HasUrl(Protocol):
    url: str


S = TypeVar("S", bound=HasUrl)
Handler = Callable[[S, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextmanager
def serving_on_loopback(state: S, handle: Handler[S]) -> Iterator[S]:
    """Serve each connection with ``handle(state, reader, writer)``; yields ``state`` with its ``url`` set to
    ``http://127.0.0.1:PORT``; on exit the server stops, every connection is ended and the loop closed."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    async def main() -> None:
        server = await asyncio.start_server(lambda r, w: handle(state, r, w), "127.0.0.1", 0)
        state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        ready.set()
        async with server:
            await server.serve_forever()

    async def end_connections() -> None:
        pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    main_task = loop.create_task(main())

    def run() -> None:
        with suppress(asyncio.CancelledError):
            loop.run_until_complete(main_task)
        # Connection handlers still running end here, with the loop open: left to the garbage collector, they would
        # close their writers on a closed loop at any later moment of the test process (an unraisable exception).
        loop.run_until_complete(end_connections())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield state
    finally:
        # Only the serving task is cancelled from here: the thread then ends the connections and closes the loop.
        loop.call_soon_threadsafe(main_task.cancel)
        thread.join(5)
