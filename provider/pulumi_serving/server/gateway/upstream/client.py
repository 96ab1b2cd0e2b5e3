"""The one way to an upstream: JSON calls, streams and form posts (tokens), every failure mapped by
:mod:`.errors`.

Transport (``serve --upstream-transport``): ``lean`` (default, the keep-alive pool of :mod:`.lean_transport`)
or ``httpx`` (httpx's standard transport). Corporate networks, read as httpx reads them: with
``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` set every call goes through httpx's client, which sends proxied
hosts through an httpx proxy transport and the hosts ``NO_PROXY`` exempts through the chosen transport; CA bundles
from ``SSL_CERT_FILE``/``SSL_CERT_DIR`` (or ``REQUESTS_CA_BUNDLE``) verify upstream TLS on either transport.
Timeouts: ``timeout_s`` bounds the wait for an answer's head and, on streams, for each next event (the
first included); a stream is read to the end of its body after its last event, so its connection is reused.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

import httpx

from ..providers.base import UpstreamCall
from . import errors
from .lean_transport import LeanTransport
from .stream_decoders import DECODERS, BrokenStream

TransportName = Literal["lean", "httpx"]
TRANSPORTS: tuple[str, ...] = ("lean", "httpx")
CONNECT_TIMEOUT_S = 10.0
MAX_ERROR_BODY = 64 * 1024
DRAIN_BYTES = 1024 * 1024  # read after a stream's last event so the connection goes back to the pool


@dataclass(frozen=True)
class Who:
    """Who is being called, for error messages: provider, served entity and the credential to scrub."""

    provider: str
    entity: str
    secret: str = field(default="", repr=False)


def ssl_context(env: Mapping[str, str]) -> ssl.SSLContext:
    """The default verifying context, trusting the CA bundle named by SSL_CERT_FILE/SSL_CERT_DIR, else
    REQUESTS_CA_BUNDLE, when set."""
    cafile = env.get("SSL_CERT_FILE") or env.get("REQUESTS_CA_BUNDLE") or None
    capath = env.get("SSL_CERT_DIR") or None
    return ssl.create_default_context(cafile=cafile, capath=capath)


def proxy_mounts(context: ssl.SSLContext, max_idle: int) -> dict[str, httpx.AsyncBaseTransport | None]:
    """httpx's own reading of HTTP_PROXY/HTTPS_PROXY/ALL_PROXY/NO_PROXY (httpx ignores the environment when a
    client is given its transport, so the mounts are made here): a proxy transport per proxied scheme, None
    (the client's transport) for the hosts NO_PROXY exempts."""
    from httpx._utils import get_environment_proxies

    limits = httpx.Limits(max_connections=None, max_keepalive_connections=max_idle)
    return {pattern: None if proxy is None else httpx.AsyncHTTPTransport(proxy=proxy, verify=context, limits=limits)
            for pattern, proxy in get_environment_proxies().items()}


def _url(call: UpstreamCall) -> str:
    return f"{call.url}?{urlencode(call.params)}" if call.params else call.url


def _content(call: UpstreamCall) -> bytes:
    return call.content if call.content is not None else json.dumps(call.json, separators=(",", ":")).encode()


def _error_text(body: bytes) -> Any:
    """An upstream error body: its JSON, else the start of its text."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return body[:500].decode("utf-8", "replace")


class UpstreamClient:
    def __init__(self, timeout_s: float, transport: TransportName = "lean", max_idle: int = 256):
        self.timeout_s = timeout_s
        context = ssl_context(os.environ)
        self.lean = LeanTransport(max_idle, context) if transport == "lean" else None
        base: httpx.AsyncBaseTransport = self.lean or httpx.AsyncHTTPTransport(
            verify=context, limits=httpx.Limits(max_connections=None, max_keepalive_connections=max_idle))
        self._timeout = httpx.Timeout(timeout_s, connect=CONNECT_TIMEOUT_S)
        self._timeouts = self._timeout.as_dict()
        mounts = proxy_mounts(context, max_idle)
        self.http = httpx.AsyncClient(timeout=self._timeout, transport=base, mounts=mounts, verify=context,
                                      trust_env=False)
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
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise errors.bad_answer(who.provider, who.entity, "a body that is not JSON") from None

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
        request = self.http.build_request("POST", _url(call), content=_content(call),
                                          headers={"Content-Type": "application/json", **call.headers})
        try:
            response = await self.http.send(request, stream=True)
        except httpx.HTTPError as err:
            raise errors.from_transport(who.provider, who.entity, err) from None
        if response.status_code >= 400:
            try:
                body = await _read_some(response, MAX_ERROR_BODY)
            except httpx.HTTPError:
                body = b""
            finally:
                await response.aclose()
            raise errors.from_status(who.provider, who.entity, response.status_code, _error_text(body),
                                     response.headers.get("retry-after"), who.secret)
        return UpstreamStream(response, who, self.timeout_s, DECODERS[framing])


async def _read_some(response: httpx.Response, limit: int) -> bytes:
    data = b""
    async for chunk in response.aiter_raw():
        data += chunk
        if len(data) >= limit:
            break
    return data


class UpstreamStream:
    """The decoded events of one upstream stream. Each event must arrive within ``idle_s`` of the previous
    one (the first within ``idle_s`` of the answer's head); a timeout, a broken connection or a malformed
    stream raise an :class:`~.errors.UpstreamError` from the iteration."""

    def __init__(self, response: httpx.Response, who: Who, idle_s: float, decoder: Any):
        self._response, self._who, self._idle_s = response, who, idle_s
        self._chunks = response.aiter_raw()
        self._events: AsyncIterator[dict[str, Any]] = decoder(self._chunks)

    async def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        who = self._who
        try:
            while True:
                try:
                    async with asyncio.timeout(self._idle_s):
                        event = await anext(self._events, None)
                except TimeoutError:
                    raise errors.from_transport(who.provider, who.entity, httpx.ReadTimeout("idle")) from None
                if event is None:
                    break
                yield event
            await self._drain()
        except httpx.HTTPError as err:
            raise errors.from_transport(who.provider, who.entity, err) from None
        except BrokenStream as err:
            raise errors.bad_answer(who.provider, who.entity, f"a broken stream: {err}") from None

    async def _drain(self) -> None:
        """Read what follows the last event (up to DRAIN_BYTES, within the idle timeout) so the body ends
        and the connection can be reused."""
        read = 0
        async with asyncio.timeout(self._idle_s):
            async for chunk in self._chunks:
                read += len(chunk)
                if read > DRAIN_BYTES:
                    break

    async def aclose(self) -> None:
        await self._response.aclose()
