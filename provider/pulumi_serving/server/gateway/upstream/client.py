"""The one way to an upstream: JSON calls, streams and form posts (tokens), every failure mapped by
:mod:`.errors`.

Transport (``serve --upstream-transport``): ``lean`` (default, the keep-alive pool of :mod:`.lean_transport`)
or ``httpx`` (httpx's standard transport). Corporate networks, read as httpx reads them: with
``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` set every call goes through httpx's client, which sends proxied
hosts through an httpx proxy transport and the hosts ``NO_PROXY`` exempts through the chosen transport; the CA
bundle ``SSL_CERT_FILE``/``SSL_CERT_DIR`` (or ``REQUESTS_CA_BUNDLE``) name verifies upstream TLS on either
transport (``client/tls.py``).
Timeouts: ``timeout_s`` bounds the wait for an answer's head and, on streams, for each next event (the
first included); a stream is read to the end of its body after its last event, so its connection is reused.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from ....client.tls import trusting_context
from ...settings import UpstreamTransport
from .. import fast_json
from ..providers.base import UpstreamCall
from . import errors
from .lean_transport import LeanTransport
from .stream_decoders import DECODERS, NDJSON, SSE, BrokenStream, EventStream

Decoder = SSE | NDJSON | EventStream

TransportName = UpstreamTransport
CONNECT_TIMEOUT_S = 10.0
MAX_ERROR_BODY = 64 * 1024
DRAIN_BYTES = 1024 * 1024  # read after a stream's last event so the connection goes back to the pool


@dataclass(frozen=True)
class Who:
    """Who is being called, for error messages: provider, served entity and the credential to scrub."""

    provider: str
    entity: str
    secret: str = field(default="", repr=False)


def proxy_mounts(context: ssl.SSLContext, max_idle: int) -> dict[str, httpx.AsyncBaseTransport | None]:
    """httpx's own reading of HTTP_PROXY/HTTPS_PROXY/ALL_PROXY/NO_PROXY (httpx ignores the environment when a
    client is given its transport, so the mounts are made here): a proxy transport per proxied scheme, None
    (the client's transport) for the hosts NO_PROXY exempts."""
    from httpx._utils import get_environment_proxies

    limits = httpx.Limits(max_connections=None, max_keepalive_connections=max_idle)
    return {
        pattern: None if proxy is None else httpx.AsyncHTTPTransport(proxy=proxy, verify=context, limits=limits)
        for pattern, proxy in get_environment_proxies().items()
    }


def _url(call: UpstreamCall) -> str:
    return f"{call.url}?{urlencode(call.params)}" if call.params else call.url


def _content(call: UpstreamCall) -> bytes:
    return call.content if call.content is not None else fast_json.dumps(call.json)


def _error_text(body: bytes) -> Any:
    """An upstream error body: its JSON, else the start of its text."""
    try:
        return fast_json.loads(body)
    except (ValueError, RecursionError):
        return body[:500].decode("utf-8", "replace")


def answer_json(who: Who, body: bytes) -> Any:
    """The JSON value of a 2xx answer's body (any value: the adapter's boundary checks its shape); a 502 when it
    is not JSON (bad UTF-8, cut short, nested too deeply)."""
    try:
        return fast_json.loads(body)
    except (ValueError, RecursionError):
        raise errors.bad_answer(who.provider, who.entity, "a body that is not JSON") from None


class UpstreamClient:
    def __init__(self, timeout_s: float, transport: TransportName = "lean", max_idle: int = 256):
        self.timeout_s = timeout_s
        context = trusting_context(os.environ)
        self.lean = LeanTransport(max_idle, context) if transport == "lean" else None
        base: httpx.AsyncBaseTransport = self.lean or httpx.AsyncHTTPTransport(
            verify=context, limits=httpx.Limits(max_connections=None, max_keepalive_connections=max_idle)
        )
        self._timeout = httpx.Timeout(timeout_s, connect=CONNECT_TIMEOUT_S)
        self._timeouts = self._timeout.as_dict()
        mounts = proxy_mounts(context, max_idle)
        self.http = httpx.AsyncClient(
            timeout=self._timeout, transport=base, mounts=mounts, verify=context, trust_env=False
        )
        self._fast = self.lean is not None and not mounts

    async def aclose(self) -> None:
        await self.http.aclose()

    async def send_json(self, who: Who, call: UpstreamCall) -> Any:
        """POST ``call`` and return the answer's JSON (any JSON value; the adapter checks its shape)."""
        headers = {"Content-Type": "application/json", "Accept": "application/json", **call.headers}
        try:
            if self._fast and self.lean is not None:
                reply = await self.lean.request("POST", _url(call), headers, _content(call), self._timeouts)
                status, body, retry = reply.status, reply.body, reply.header("retry-after")
            else:
                response = await self.http.post(_url(call), content=_content(call), headers=headers)
                status, body, retry = response.status_code, response.content, response.headers.get("retry-after")
        except httpx.HTTPError as err:
            raise errors.from_transport(who.provider, who.entity, err) from None
        if status >= 400:
            raise errors.from_status(who.provider, who.entity, status, _error_text(body), retry, who.secret)
        if status >= 300:
            raise errors.bad_answer(who.provider, who.entity, f"HTTP {status}, which the gateway does not follow")
        return answer_json(who, body)

    async def post_form(self, who: Who, url: str, form: Mapping[str, str]) -> tuple[int, Any]:
        """POST a form (token endpoints); the status and the JSON answer (None when not JSON)."""
        try:
            response = await self.http.post(url, data=dict(form))
        except httpx.HTTPError as err:
            raise errors.from_transport(who.provider, who.entity, err) from None
        try:
            return response.status_code, response.json()
        except (ValueError, RecursionError):
            return response.status_code, None

    async def open_stream(self, who: Who, call: UpstreamCall, framing: str) -> UpstreamStream:
        """POST ``call`` and return its event stream once the upstream answered 2xx (errors raise here)."""
        headers = {"Content-Type": "application/json", **call.headers}
        try:
            if self._fast and self.lean is not None:
                status, head, body = await self.lean.open("POST", _url(call), headers, _content(call), self._timeouts)
                retry = head.get(b"retry-after")
                chunks, close = body.__aiter__(), body.aclose
                retry_after = retry.decode("latin-1") if retry else None
            else:
                request = self.http.build_request("POST", _url(call), content=_content(call), headers=headers)
                response = await self.http.send(request, stream=True)
                status, retry_after = response.status_code, response.headers.get("retry-after")
                chunks, close = response.aiter_raw(), response.aclose
        except httpx.HTTPError as err:
            raise errors.from_transport(who.provider, who.entity, err) from None
        if status >= 400:
            try:
                text = await _read_some(chunks, MAX_ERROR_BODY)
            except httpx.HTTPError:
                text = b""
            finally:
                await close()
            raise errors.from_status(who.provider, who.entity, status, _error_text(text), retry_after, who.secret)
        if status >= 300:
            await close()
            raise errors.bad_answer(who.provider, who.entity, f"HTTP {status}, which the gateway does not follow")
        return UpstreamStream(chunks, close, who, self.timeout_s, DECODERS[framing]())


async def _read_some(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    data = b""
    async for chunk in chunks:
        data += chunk
        if len(data) >= limit:
            break
    return data


class UpstreamStream:
    """The decoded events of one upstream stream, a batch per network read. Each event must arrive within
    ``idle_s`` of asking for it (the first within ``idle_s`` of the answer's head), watched by one timer that
    is re-armed lazily (no timer per read); a timeout, a broken connection or a malformed stream raise
    an :class:`~.errors.UpstreamError` from the iteration. After the framing's end marker the rest of the
    body is read (up to DRAIN_BYTES), so the connection goes back to the pool."""

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        close: Callable[[], Awaitable[None]],
        who: Who,
        idle_s: float,
        decoder: Decoder,
    ):
        self._chunks, self._close, self._who, self._idle_s, self._decoder = chunks, close, who, idle_s, decoder
        self._deadline = 0.0
        self._expired = False
        self._task: asyncio.Task[Any] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._waiting = False

    def _watch(self) -> None:
        """The timer: cancel the reading task when it has waited for the upstream past the deadline (time spent
        handing events to a slow client does not count); else look again at the deadline."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if now >= self._deadline and self._waiting and self._task is not None and not self._task.done():
            self._expired = True
            self._task.cancel()
            return
        self._timer = loop.call_at(max(self._deadline, now + min(1.0, self._idle_s)), self._watch)

    async def __aiter__(self) -> AsyncIterator[list[dict[str, Any]]]:
        who, decoder, chunks = self._who, self._decoder, self._chunks
        loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._deadline = loop.time() + self._idle_s
        self._timer = loop.call_at(self._deadline, self._watch)
        drained = 0
        try:
            while True:
                self._waiting = True
                try:
                    data = await anext(chunks)
                except StopAsyncIteration:
                    break
                finally:
                    self._waiting = False
                if decoder.ended:
                    drained += len(data)
                    if drained > DRAIN_BYTES:
                        return
                    continue
                if events := decoder.feed(data):
                    yield events
                    self._deadline = loop.time() + self._idle_s
            if events := decoder.close():
                yield events
        except asyncio.CancelledError:
            if not self._expired:
                raise
            self._task.uncancel()  # type: ignore[union-attr]
            raise errors.from_transport(who.provider, who.entity, httpx.ReadTimeout("idle")) from None
        except httpx.HTTPError as err:
            raise errors.from_transport(who.provider, who.entity, err) from None
        except BrokenStream as err:
            raise errors.bad_answer(who.provider, who.entity, f"a broken stream: {err}") from None
        finally:
            self._task = None
            if self._timer is not None:
                self._timer.cancel()

    async def aclose(self) -> None:
        await self._close()
