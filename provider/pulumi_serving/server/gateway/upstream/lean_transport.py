"""A lean keep-alive HTTP/1.1 client transport: the gateway's upstream connection pool.

httpcore's pool re-checks every idle connection on each request (a socket poll and an attribute lookup per
connection), which cost the gateway about a millisecond of CPU per call. This transport keeps a stack of
idle connections per origin, writes each request in one send, and parses responses by Content-Length or
chunked framing. Two ways in: :meth:`LeanTransport.request` sends one request and returns the whole
:class:`Reply` (the gateway's JSON calls, without httpx's request/response objects), and it is an
``httpx.AsyncClient`` transport (streams, Entra ID tokens). Errors are httpx exceptions either way
(ConnectError, ConnectTimeout, ReadTimeout, ReadError, RemoteProtocolError), so callers see the usual httpx
hierarchy. A request that fails on a reused idle connection before any byte arrives (the server closed it
meanwhile) is retried once on a new one.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import httpx

_CHUNK = 65536
_MAX_HEAD = 65536
Origin = tuple[str, str, int]
Timeouts = Mapping[str, float | None]  # httpx's ``timeout`` extension: connect, read, write, pool


@dataclass(frozen=True)
class Reply:
    """A whole upstream response; ``headers`` keyed by lower-case name."""

    status: int
    headers: Mapping[bytes, bytes]
    body: bytes

    def header(self, name: str) -> str | None:
        value = self.headers.get(name.lower().encode())
        return None if value is None else value.decode("latin-1")


@dataclass(frozen=True)
class _Target:
    origin: Origin
    request_line: bytes  # " /path?query HTTP/1.1", after the method
    host_line: bytes


@lru_cache(maxsize=256)
def _target(url: str) -> _Target:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise httpx.UnsupportedProtocol(f"upstream URL must be http(s)://host/..., not {parts.scheme}://")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    origin = (parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    return _Target(origin, f" {path} HTTP/1.1".encode(), f"Host: {parts.netloc.rpartition('@')[2]}".encode())


class _Connection:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        self.writer.close()


class _Stale(Exception):
    """A reused connection was closed by the server before answering."""


def _head(lines: list[bytes], request: httpx.Request | None) -> bytes:
    """The request head; a line break inside a line (say, in a credential) would forge headers, so refuse."""
    if any(b"\r" in line or b"\n" in line for line in lines):
        raise httpx.LocalProtocolError("a request header contains a line break", request=request)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _timeouts(request: httpx.Request) -> Timeouts:
    return request.extensions.get("timeout") or {}


class _Body(httpx.AsyncByteStream):
    def __init__(
        self,
        transport: LeanTransport,
        origin: Origin,
        conn: _Connection,
        timeouts: Timeouts,
        request: httpx.Request | None,
        length: int | None,
        chunked: bool,
        reusable: bool,
    ):
        self._transport, self._origin, self._conn, self._request = transport, origin, conn, request
        self._read_timeout = timeouts.get("read")
        self._length, self._chunked, self._reusable = length, chunked, reusable
        self._done = False

    async def _read(self, coro):  # type: ignore[no-untyped-def]
        try:
            if self._read_timeout is None:  # no deadline, or the caller's deadline covers the whole answer
                return await coro
            async with asyncio.timeout(self._read_timeout):
                return await coro
        except TimeoutError:
            raise httpx.ReadTimeout("upstream read timed out", request=self._request) from None
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as err:
            raise httpx.ReadError(f"upstream connection broken: {type(err).__name__}", request=self._request) from None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        reader = self._conn.reader
        if self._chunked:
            async for data in self._chunks(reader):
                yield data
        elif self._length is not None:
            remaining = self._length
            while remaining:
                data = await self._read(reader.read(min(remaining, _CHUNK)))
                if not data:
                    raise httpx.ReadError("upstream closed mid-body", request=self._request)
                remaining -= len(data)
                yield data
        else:
            while data := await self._read(reader.read(_CHUNK)):
                yield data
            self._reusable = False
        self._done = True

    async def _chunks(self, reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
        """The data of a chunked body, one piece per network read (whatever chunks it completes)."""
        buffer, size = b"", -1  # size: of the chunk being read; -1 while its size line is awaited
        while True:
            data = await self._read(reader.read(_CHUNK))
            if not data:
                raise httpx.ReadError("upstream closed mid-body", request=self._request)
            buffer += data
            out: list[bytes] = []
            while True:
                if size < 0:
                    end = buffer.find(b"\r\n")
                    if end < 0:
                        if len(buffer) > _MAX_HEAD:
                            raise httpx.RemoteProtocolError("bad chunk size", request=self._request)
                        break
                    try:
                        size = int(buffer[:end].split(b";", 1)[0].strip(), 16)
                    except ValueError:
                        raise httpx.RemoteProtocolError("bad chunk size", request=self._request) from None
                    buffer = buffer[end + 2 :]
                if size == 0:
                    end = buffer.find(b"\r\n\r\n") if not buffer.startswith(b"\r\n") else -2
                    if end == -1:
                        break  # trailers not complete yet
                    if out:
                        yield b"".join(out)
                    return
                if len(buffer) < size + 2:
                    break
                out.append(buffer[:size])
                buffer, size = buffer[size + 2 :], -1
            if out:
                yield b"".join(out)

    async def read_all(self) -> bytes:
        """The whole body (one read when its length is declared); the connection goes back to the pool."""
        try:
            if self._length is not None and not self._chunked:
                data = await self._read(self._conn.reader.readexactly(self._length)) if self._length else b""
                self._done = True
                return data
            return b"".join([chunk async for chunk in self])
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        if self._done and self._reusable:
            self._transport._release(self._origin, self._conn)
        else:
            self._conn.close()
        self._done, self._reusable = True, False


class LeanTransport(httpx.AsyncBaseTransport):
    def __init__(self, max_idle_per_origin: int = 256, ssl_context: ssl.SSLContext | None = None):
        self._idle: dict[Origin, list[_Connection]] = defaultdict(list)
        self._max_idle = max_idle_per_origin
        self._ssl = ssl_context

    async def request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes, timeouts: Timeouts
    ) -> Reply:
        """Send one request (``url`` with any query string) and read the whole response, head and body within
        one read timeout (one timer per call rather than one per read)."""
        try:
            async with asyncio.timeout(timeouts.get("read")):
                status, headers_, stream = await self.open(method, url, headers, body, {**timeouts, "read": None})
                return Reply(status, headers_, await stream.read_all())
        except TimeoutError:
            raise httpx.ReadTimeout("upstream read timed out") from None

    async def open(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes, timeouts: Timeouts
    ) -> tuple[int, dict[bytes, bytes], _Body]:
        """Send one request and return its status, headers and body stream (close it when done; a body read
        to its end gives the connection back to the pool)."""
        target = _target(url)
        head = [method.encode() + target.request_line, target.host_line, b"Content-Length: " + str(len(body)).encode()]
        head += [f"{name}: {value}".encode() for name, value in headers.items()]
        return await self._send(target.origin, method, _head(head, None) + body, timeouts, None)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        origin: Origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        body = await request.aread()
        head = [request.method.encode() + b" " + url.raw_path + b" HTTP/1.1"]
        head += [name + b": " + value for name, value in request.headers.raw]
        if body and "content-length" not in request.headers:
            head.append(b"Content-Length: " + str(len(body)).encode())
        payload = _head(head, request) + body
        status, headers, stream = await self._send(origin, request.method, payload, _timeouts(request), request)
        return httpx.Response(status, headers=list(headers.items()), stream=stream)

    def _release(self, origin: Origin, conn: _Connection) -> None:
        idle = self._idle[origin]
        if len(idle) < self._max_idle and not conn.writer.is_closing():
            idle.append(conn)
        else:
            conn.close()

    async def _connect(self, origin: Origin, timeouts: Timeouts, request: httpx.Request | None) -> _Connection:
        scheme, host, port = origin
        if scheme == "https" and self._ssl is None:
            self._ssl = ssl.create_default_context()
        try:
            async with asyncio.timeout(timeouts.get("connect")):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=self._ssl if scheme == "https" else None, limit=_MAX_HEAD
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out", request=request) from None
        except OSError as err:
            raise httpx.ConnectError(
                f"cannot connect to {host}:{port}: {err.strerror or err}", request=request
            ) from None
        return _Connection(reader, writer)

    async def _send(
        self, origin: Origin, method: str, payload: bytes, timeouts: Timeouts, request: httpx.Request | None
    ) -> tuple[int, dict[bytes, bytes], _Body]:
        idle = self._idle[origin]
        while idle:
            conn = idle.pop()
            try:
                return await self._exchange(origin, conn, method, payload, timeouts, request, reused=True)
            except _Stale:
                continue
        conn = await self._connect(origin, timeouts, request)
        return await self._exchange(origin, conn, method, payload, timeouts, request, reused=False)

    async def _exchange(
        self,
        origin: Origin,
        conn: _Connection,
        method: str,
        payload: bytes,
        timeouts: Timeouts,
        request: httpx.Request | None,
        reused: bool,
    ) -> tuple[int, dict[bytes, bytes], _Body]:
        """Status, headers (lower-case names) and the body stream of one request on ``conn``."""
        try:
            conn.writer.write(payload)
            try:
                if timeouts.get("read") is None:
                    head = await conn.reader.readuntil(b"\r\n\r\n")
                else:
                    async with asyncio.timeout(timeouts.get("read")):
                        head = await conn.reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as err:
                if reused and not err.partial:
                    raise _Stale() from None
                raise httpx.RemoteProtocolError(
                    "upstream closed the connection without answering", request=request
                ) from None
            except TimeoutError:
                raise httpx.ReadTimeout("upstream read timed out", request=request) from None
            except asyncio.LimitOverrunError:
                raise httpx.RemoteProtocolError("upstream response head too large", request=request) from None
            except (ConnectionError, OSError) as err:
                if reused:
                    raise _Stale() from None
                raise httpx.ReadError(f"upstream connection broken: {type(err).__name__}", request=request) from None
            lines = head[:-4].split(b"\r\n")
            try:
                version, status_text = lines[0].split(b" ", 2)[:2]
                status = int(status_text)
                headers = {}
                for line in lines[1:]:
                    name, value = line.split(b":", 1)
                    headers[name.strip().lower()] = value.strip()
                chunked = b"chunked" in headers.get(b"transfer-encoding", b"").lower()
                length = None if chunked or b"content-length" not in headers else int(headers[b"content-length"])
            except ValueError:
                raise httpx.RemoteProtocolError("malformed upstream response head", request=request) from None
        except BaseException:
            conn.close()
            raise
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            length, chunked = 0, False
        reusable = headers.get(b"connection", b"").lower() != b"close" and version == b"HTTP/1.1"
        stream = _Body(
            self, origin, conn, timeouts, request, length, chunked, reusable and (chunked or length is not None)
        )
        return status, headers, stream

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()
