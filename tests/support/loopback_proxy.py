"""A small forward proxy on loopback: ``CONNECT host:port`` tunnels (HTTPS) and absolute-form HTTP requests,
piped to the origin as they are. Records the first request line of every client connection."""

from __future__ import annotations

import asyncio
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .loopback_server import serving_on_loopback


@dataclass
class Proxy:
    url: str = ""
    seen: list[str] = field(default_factory=list)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def _handle(proxy: Proxy, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
        return
    method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
    proxy.seen.append(f"{method} {target}")
    if method == "CONNECT":
        host, _, port = target.rpartition(":")
        origin_reader, origin_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    else:
        parts = urlsplit(target)
        origin_reader, origin_writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
        origin_writer.write(head)
    await asyncio.gather(_pipe(reader, origin_writer), _pipe(origin_reader, writer))


def running_proxy() -> AbstractContextManager[Proxy]:
    return serving_on_loopback(Proxy(), _handle)
