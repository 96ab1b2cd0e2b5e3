"""A lean keep-alive HTTP/1.1 transport for ``httpx.AsyncClient`` (the gateway's upstream connection pool).

httpcore's pool re-checks every idle connection on each request (a socket poll and an attribute lookup per
connection), which cost the gateway about a millisecond of CPU per call. This transport keeps a stack of
idle connections per origin, writes each request in one send, and parses responses by Content-Length or
chunked framing. Errors are raised as httpx exceptions (ConnectError, ConnectTimeout, ReadTimeout,
ReadError, RemoteProtocolError), so callers see the usual httpx hierarchy. A request that fails on a reused
idle connection before any byte arrives (the server closed it meanwhile) is retried once on a new one.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import defaultdict
from collections.abc import AsyncIterator

import httpx

_CHUNK = 65536
_MAX_HEAD = 65536
Origin = tuple[str, str, int]


class _Connection:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        self.writer.close()


class _Stale(Exception):
    """A reused connection was closed by the server before answering."""


def _timeout(request: httpx.Request, kind: str) -> float | None:
    return (request.extensions.get("timeout") or {}).get(kind)


class _Body(httpx.AsyncByteStream):
    def __init__(self, transport: LeanTransport, origin: Origin, conn: _Connection, request: httpx.Request,
                 length: int | None, chunked: bool, reusable: bool):
        self._transport, self._origin, self._conn, self._request = transport, origin, conn, request
        self._length, self._chunked, self._reusable = length, chunked, reusable
        self._done = False

    async def _read(self, coro):  # type: ignore[no-untyped-def]
        try:
            async with asyncio.timeout(_timeout(self._request, "read")):
                return await coro
        except TimeoutError:
            raise httpx.ReadTimeout("upstream read timed out", request=self._request) from None
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as err:
            raise httpx.ReadError(f"upstream connection broken: {type(err).__name__}", request=self._request) from None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        reader = self._conn.reader
        if self._chunked:
            while True:
                size_line = await self._read(reader.readuntil(b"\r\n"))
                try:
                    size = int(size_line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise httpx.RemoteProtocolError("bad chunk size", request=self._request) from None
                if size == 0:
                    while (await self._read(reader.readuntil(b"\r\n"))) != b"\r\n":
                        pass
                    break
                data = await self._read(reader.readexactly(size + 2))
                yield data[:-2]
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

    async def aclose(self) -> None:
        if self._done and self._reusable:
            self._transport._release(self._origin, self._conn)
        else:
            self._conn.close()
        self._done, self._reusable = True, False


class LeanTransport(httpx.AsyncBaseTransport):
    def __init__(self, max_idle_per_origin: int = 256):
        self._idle: dict[Origin, list[_Connection]] = defaultdict(list)
        self._max_idle = max_idle_per_origin
        self._ssl: ssl.SSLContext | None = None

    def _release(self, origin: Origin, conn: _Connection) -> None:
        idle = self._idle[origin]
        if len(idle) < self._max_idle and not conn.writer.is_closing():
            idle.append(conn)
        else:
            conn.close()

    async def _connect(self, origin: Origin, request: httpx.Request) -> _Connection:
        scheme, host, port = origin
        if scheme == "https" and self._ssl is None:
            self._ssl = ssl.create_default_context()
        try:
            async with asyncio.timeout(_timeout(request, "connect")):
                reader, writer = await asyncio.open_connection(host, port, ssl=self._ssl if scheme == "https" else None,
                                                               limit=_MAX_HEAD)
        except TimeoutError:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out", request=request) from None
        except OSError as err:
            raise httpx.ConnectError(f"cannot connect to {host}:{port}: {err.strerror or err}", request=request) from None
        return _Connection(reader, writer)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        origin: Origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        body = await request.aread()
        head = [request.method.encode() + b" " + url.raw_path + b" HTTP/1.1"]
        head += [name + b": " + value for name, value in request.headers.raw]
        if body and "content-length" not in request.headers:
            head.append(b"Content-Length: " + str(len(body)).encode())
        payload = b"\r\n".join(head) + b"\r\n\r\n" + body
        idle = self._idle[origin]
        while idle:
            conn = idle.pop()
            try:
                return await self._exchange(origin, conn, request, payload, reused=True)
            except _Stale:
                continue
        return await self._exchange(origin, await self._connect(origin, request), request, payload, reused=False)

    async def _exchange(self, origin: Origin, conn: _Connection, request: httpx.Request, payload: bytes,
                        reused: bool) -> httpx.Response:
        try:
            conn.writer.write(payload)
            try:
                async with asyncio.timeout(_timeout(request, "read")):
                    head = await conn.reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as err:
                if reused and not err.partial:
                    raise _Stale() from None
                raise httpx.RemoteProtocolError("upstream closed the connection without answering",
                                                request=request) from None
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
                headers = [tuple(line.split(b":", 1)) for line in lines[1:]]
                headers = [(name.strip(), value.strip()) for name, value in headers]
            except ValueError:
                raise httpx.RemoteProtocolError("malformed upstream response head", request=request) from None
        except BaseException:
            conn.close()
            raise
        lowered = {name.lower(): value for name, value in headers}
        chunked = b"chunked" in lowered.get(b"transfer-encoding", b"").lower()
        length = None if chunked or b"content-length" not in lowered else int(lowered[b"content-length"])
        if request.method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            length, chunked = 0, False
        reusable = lowered.get(b"connection", b"").lower() != b"close" and version == b"HTTP/1.1"
        stream = _Body(self, origin, conn, request, length, chunked, reusable and (chunked or length is not None))
        return httpx.Response(status, headers=headers, stream=stream, extensions={"http_version": version})

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()
