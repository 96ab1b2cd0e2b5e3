"""An asyncio TCP server on a free loopback port, run in a daemon thread: the serve loop of the hand-written
test servers (the hostile upstream, the forward proxy)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextmanager
def serving_on_loopback(handle: Handler) -> Iterator[str]:
    """Serve each connection with ``handle``; yields ``http://127.0.0.1:PORT``; on exit every task is cancelled."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    url = ""

    async def main() -> None:
        nonlocal url
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        ready.set()
        async with server:
            await server.serve_forever()

    def run() -> None:
        with suppress(asyncio.CancelledError):
            loop.run_until_complete(main())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield url
    finally:
        for task in asyncio.all_tasks(loop):
            loop.call_soon_threadsafe(task.cancel)
        thread.join(5)
