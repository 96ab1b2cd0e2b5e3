"""The invocation pipeline: validate, guard, rate-limit, route (with fallback), call upstream, account.

One :class:`Gateway` per server process holds the shared state: the httpx connection pool, the rate
limiter, the traffic router, the usage ledger and the Entra token cache. Nothing here logs prompts,
answers or credentials.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from ..errors import ApiError, BadRequest, InvalidParameterValue, RequestLimitExceeded, ResourceDoesNotExist
from . import upstream_errors
from .limiter import Decision, RateLimiter
from .ports import EndpointView
from .providers import ProviderAdapter, Target, UpstreamCall
from .rate_policy import Caller, requirements
from .request import StandardRequest, parse_request
from .routing import Router
from .targets import EntraTokens, resolve_target
from .transport import LeanTransport
from .upstreams import DEFAULT_BASES
from .usage import UsageLedger

log = logging.getLogger("pulumi_serving.gateway")
# httpx logs every request line at INFO; upstream URLs are nobody's business in the server log.
logging.getLogger("httpx").setLevel(logging.WARNING)

DEFAULT_TIMEOUT_S = 120.0
ResolveModel = Callable[[str], Mapping[str, Any]]


class NotReady(ApiError):
    status = 503
    error_code = "TEMPORARILY_UNAVAILABLE"


@dataclass
class Result:
    """A JSON answer (``body``) or an SSE stream (``stream``), and the served entity that produced it."""

    served_entity: str
    body: dict[str, Any] | None = None
    stream: AsyncIterator[bytes] | None = None


@dataclass
class GatewaySettings:
    bases: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_BASES))
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_idle_connections: int = 256


def _sse(data: Any) -> bytes:
    return b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def _parsed(body: bytes) -> Any:
    """An upstream error body: its JSON, else the start of its text."""
    try:
        return json.loads(body)
    except ValueError:
        return body[:500].decode("utf-8", "replace")


class Gateway:
    def __init__(self, settings: GatewaySettings | None = None, limiter: RateLimiter | None = None):
        self.settings = settings or GatewaySettings()
        self.limiter = limiter or RateLimiter()
        self.router = Router()
        self.usage = UsageLedger()
        self.entra = EntraTokens()
        self.transport = LeanTransport(self.settings.max_idle_connections)
        self._timeout = httpx.Timeout(self.settings.timeout_s, connect=10.0)
        self._timeouts = self._timeout.as_dict()
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """For streams and Entra ID tokens; JSON calls go straight to :attr:`transport` (same pool)."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, transport=self.transport, trust_env=False)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        await self.transport.aclose()

    # pipeline
    def _admit(self, view: EndpointView, caller: Caller) -> Decision:
        if not view.rules:
            return Decision(True)
        decision = self.limiter.acquire(requirements(view.name, view.rules, caller))
        if not decision.allowed:
            raise RequestLimitExceeded(f"REQUEST_LIMIT_EXCEEDED: {decision.refused_by} exceeded",
                                       retry_after=decision.retry_after_s)
        return decision

    def _account(self, view: EndpointView, caller: Caller, decision: Decision, prompt_tokens: int,
                 completion_tokens: int, ok: bool) -> None:
        self.limiter.charge_tokens(decision.charged, prompt_tokens + completion_tokens)
        if view.usage_tracking_enabled:
            self.usage.record(view.name, caller.name, prompt_tokens, completion_tokens, ok)

    def _order(self, view: EndpointView, only: str | None) -> list[str]:
        if only is not None:
            if view.entity(only) is None:
                raise ResourceDoesNotExist(f"Served entity '{only}' does not exist in endpoint '{view.name}'.")
            return [only]
        order = self.router.order(view.name, view.routes, [e.name for e in view.entities if e.task])
        return order if view.fallback_enabled else order[:1]

    async def invoke(self, view: EndpointView, caller: Caller, body: Any, resolve_model: ResolveModel,
                     only: str | None = None) -> Result:
        if not view.ready:
            raise NotReady(f"Endpoint '{view.name}' is not ready: it has no active config yet.")
        task = view.task
        if task is None:
            raise BadRequest(f"Endpoint '{view.name}' serves no external model; the local gateway serves "
                             "external models only.")
        request = parse_request(task, body)
        if view.invalid_keywords:
            text = request.prompt_text.lower()
            if any(word.lower() in text for word in view.invalid_keywords):
                raise InvalidParameterValue("Request blocked by the endpoint's AI gateway guardrails "
                                            "(input contains an invalid keyword).")
        order = self._order(view, only)
        decision = self._admit(view, caller)
        last: ApiError | None = None
        for position, entity in enumerate(order):
            try:
                adapter, target = await resolve_target(entity, resolve_model(entity), self.settings.bases,
                                                       self.client, self.entra)
                call = adapter.build(request, target)
                if request.stream:
                    stream = await self._open_stream(view, caller, decision, entity, request, adapter, target, call)
                    return Result(entity, stream=stream)
                answer = await self._send(entity, request, adapter, target, call)
            except upstream_errors.UpstreamError as err:
                log.warning("endpoint %s: served entity %s failed with HTTP %s", view.name, entity, err.status)
                last = err
                if err.retryable and position + 1 < len(order):
                    continue
                self._account(view, caller, decision, 0, 0, ok=False)
                raise
            except ApiError:
                self._account(view, caller, decision, 0, 0, ok=False)
                raise
            use = answer.get("usage") or {}
            self._account(view, caller, decision, int(use.get("prompt_tokens") or 0),
                          int(use.get("completion_tokens") or 0), ok=True)
            return Result(entity, body=answer)
        raise last or BadRequest(f"Endpoint '{view.name}' has no served entity to route to.")

    async def _send(self, entity: str, request: StandardRequest, adapter: ProviderAdapter, target: Target,
                    call: UpstreamCall) -> dict[str, Any]:
        url = f"{call.url}?{urlencode(call.params)}" if call.params else call.url
        headers = {"Content-Type": "application/json", "Accept": "application/json", **call.headers}
        try:
            reply = await self.transport.request("POST", url, headers, _json_bytes(call.json), self._timeouts)
        except httpx.HTTPError as err:
            raise upstream_errors.from_transport(adapter.name, entity, err) from None
        if reply.status >= 400:
            raise upstream_errors.from_status(adapter.name, entity, reply.status, _parsed(reply.body),
                                              reply.header("retry-after"), target.credential)
        try:
            body = json.loads(reply.body)
        except ValueError:
            raise upstream_errors.UpstreamError(f"Served entity {entity}: upstream {adapter.name} answered "
                                                "a body that is not JSON", status=502, error_code="INTERNAL_ERROR",
                                                retryable=True) from None
        return adapter.translate(request, target, body)

    async def _open_stream(self, view: EndpointView, caller: Caller, decision: Decision, entity: str,
                           request: StandardRequest, adapter: ProviderAdapter, target: Target,
                           call: UpstreamCall) -> AsyncIterator[bytes]:
        upstream = self.client.build_request("POST", call.url, json=call.json, headers=call.headers,
                                             params=call.params or None)
        try:
            response = await self.client.send(upstream, stream=True)
        except httpx.HTTPError as err:
            raise upstream_errors.from_transport(adapter.name, entity, err) from None
        if response.status_code >= 400:
            body = await response.aread()
            await response.aclose()
            raise upstream_errors.from_status(adapter.name, entity, response.status_code, _parsed(body),
                                              response.headers.get("retry-after"), target.credential)
        translator = adapter.stream(request, target)

        async def events() -> AsyncIterator[bytes]:
            ok = True
            try:
                async for line in response.aiter_lines():
                    if adapter.stream_format == "sse":
                        if not line.startswith("data:"):
                            continue
                        line = line[5:].strip()
                        if line == "[DONE]":
                            break
                    if not line.strip():
                        continue
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    for chunk in translator.feed(event):
                        yield _sse(chunk)
                yield b"data: [DONE]\n\n"
            except httpx.HTTPError as err:
                ok = False
                error = upstream_errors.from_transport(adapter.name, entity, err)
                yield _sse(error.body())
            finally:
                await response.aclose()
                self._account(view, caller, decision, translator.prompt_tokens, translator.completion_tokens, ok)

        return events()
