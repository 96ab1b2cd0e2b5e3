"""The invocation pipeline: validate, guard, rate-limit, route (with fallback), call upstream, account.

One :class:`Gateway` per server process holds the shared state: the upstream client (one connection pool),
the rate limiter, the traffic split, the usage ledger and the token caches. Every upstream call goes
through :class:`~.upstream.client.UpstreamClient`, whose failures are mapped once (:mod:`.upstream.errors`),
and every answer through :mod:`.upstream_answers`: an answer it cannot pass on is a 502, a broken stream ends
with an error event. Nothing here logs
prompts, answers or credentials.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import (
    ApiError,
    BadRequest,
    InvalidParameterValue,
    RequestLimitExceeded,
    ResourceDoesNotExist,
    TemporarilyUnavailable,
)
from ..settings import DEFAULT_UPSTREAM_TIMEOUT_S, DEFAULT_UPSTREAM_TRANSPORT
from .limiter import Decision, RateLimiter, Requirement
from .providers import ProviderAdapter, Target
from .rate_policy import Caller, requirements
from .request import StandardRequest, parse_request
from .served_endpoint import EndpointView
from .traffic_split import Router
from .upstream import errors as upstream_errors
from .upstream.bases import DEFAULT_BASES
from .upstream.client import TransportName, UpstreamClient, UpstreamStream, Who
from .upstream.targets import resolve_target
from .upstream.tokens import TokenCache
from .upstream_answers import Access, StreamRelay, standard_answer
from .usage import FLUSH_INTERVAL_S, Store, UsageLedger

log = logging.getLogger("pulumi_serving.gateway")
# httpx logs every request line at INFO; upstream URLs are nobody's business in the server log.
logging.getLogger("httpx").setLevel(logging.WARNING)

ResolveModel = Callable[[str], Mapping[str, Any]]
_MAX_BUCKET_SETS = 4096


class NotReady(TemporarilyUnavailable):
    pass


@dataclass
class Result:
    """A JSON answer (``body``) or an SSE stream (``stream``), and the served entity that produced it."""

    served_entity: str
    body: dict[str, Any] | None = None
    stream: AsyncIterator[bytes] | None = None


@dataclass
class GatewaySettings:
    bases: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_BASES))
    timeout_s: float = DEFAULT_UPSTREAM_TIMEOUT_S
    max_idle_connections: int = 256
    transport: TransportName = DEFAULT_UPSTREAM_TRANSPORT


class Gateway:
    def __init__(
        self,
        settings: GatewaySettings | None = None,
        limiter: RateLimiter | None = None,
        usage_store: Store | None = None,
    ):
        self.settings = settings or GatewaySettings()
        self.limiter = limiter or RateLimiter()
        self.router = Router()
        self.usage = UsageLedger(usage_store)
        self.tokens = TokenCache()
        self.upstream = UpstreamClient(
            self.settings.timeout_s, self.settings.transport, self.settings.max_idle_connections
        )
        self._flusher: asyncio.Task[None] | None = None
        self._buckets: dict[tuple[int, Caller], tuple[EndpointView, list[Requirement]]] = {}

    async def aclose(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        self.usage.flush()
        await self.upstream.aclose()

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL_S)
            try:
                await asyncio.to_thread(self.usage.flush)  # a durable write: its fsync off the event loop
            except Exception as err:  # a full disk: kept pending, tried again
                log.warning("usage not saved yet: %s", type(err).__name__)

    # pipeline
    def _requirements(self, view: EndpointView, caller: Caller) -> list[Requirement]:
        """The buckets of ``caller`` on ``view``, remembered per (view, caller) object: the state cache hands
        out one view per state version, the token store one principal per token."""
        key = (id(view), caller)
        hit = self._buckets.get(key)
        if hit is not None and hit[0] is view:  # the view is held by the entry, so its id is not reused
            return hit[1]
        if len(self._buckets) >= _MAX_BUCKET_SETS:
            self._buckets.clear()
        found = requirements(view.name, view.rules, caller, view.id)
        self._buckets[key] = (view, found)
        return found

    def _admit(self, view: EndpointView, caller: Caller) -> Decision:
        if not view.rules:
            return Decision(True)
        decision = self.limiter.acquire(self._requirements(view, caller))
        if not decision.allowed:
            raise RequestLimitExceeded(
                f"REQUEST_LIMIT_EXCEEDED: {decision.refused_by} exceeded", retry_after=decision.retry_after_s
            )
        return decision

    def _account(
        self,
        view: EndpointView,
        caller: Caller,
        decision: Decision,
        prompt_tokens: int,
        completion_tokens: int,
        ok: bool,
    ) -> None:
        self.limiter.charge_tokens(decision.charged, prompt_tokens + completion_tokens)
        if view.usage_tracking_enabled:
            self.usage.record(view.id or view.name, caller.name, prompt_tokens, completion_tokens, ok)
            if self._flusher is None:
                self._flusher = asyncio.get_running_loop().create_task(self._flush_forever())

    def _order(self, view: EndpointView, only: str | None) -> list[str]:
        if only is not None:
            if view.entity(only) is None:
                raise ResourceDoesNotExist(f"Served entity '{only}' does not exist in endpoint '{view.name}'.")
            return [only]
        order = self.router.order(view.id or view.name, view.routes, [e.name for e in view.entities if e.task])
        return order if view.fallback_enabled else order[:1]

    async def invoke(
        self,
        view: EndpointView,
        caller: Caller,
        body: Any,
        resolve_model: ResolveModel,
        only: str | None = None,
        access: Access | None = None,
    ) -> Result:
        """One call; a stream asks ``access`` while it is open (see :class:`~.upstream_answers.StreamRelay`)."""
        if not view.ready:
            raise NotReady(f"Endpoint '{view.name}' is not ready: it has no active config yet.")
        task = view.task
        if task is None:
            raise BadRequest(
                f"Endpoint '{view.name}' serves no external model; the local gateway serves external models only."
            )
        request = parse_request(task, body)
        if view.invalid_keywords:
            text = request.prompt_text.lower()
            if any(word.lower() in text for word in view.invalid_keywords):
                raise InvalidParameterValue(
                    "Request blocked by the endpoint's AI gateway guardrails (input contains an invalid keyword)."
                )
        order = self._order(view, only)
        decision = self._admit(view, caller)
        last: ApiError | None = None
        for position, entity in enumerate(order):
            try:
                adapter, target = await resolve_target(
                    entity, resolve_model(entity), self.settings.bases, self.upstream, self.tokens
                )
                if request.stream:
                    stream = await self._open_stream(view, caller, decision, entity, request, adapter, target, access)
                    return Result(entity, stream=stream)
                answer = await self._send(entity, request, adapter, target)
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
            self._account(
                view,
                caller,
                decision,
                int(use.get("prompt_tokens") or 0),
                int(use.get("completion_tokens") or 0),
                ok=True,
            )
            return Result(entity, body=answer)
        raise last or BadRequest(f"Endpoint '{view.name}' has no served entity to route to.")

    async def _send(
        self, entity: str, request: StandardRequest, adapter: ProviderAdapter, target: Target
    ) -> dict[str, Any]:
        who = Who(adapter.name, entity, target.credential)
        body = await self.upstream.send_json(who, adapter.build(request, target))
        return standard_answer(who, adapter, request, target, body)

    async def _open_stream(
        self,
        view: EndpointView,
        caller: Caller,
        decision: Decision,
        entity: str,
        request: StandardRequest,
        adapter: ProviderAdapter,
        target: Target,
        access: Access | None,
    ) -> AsyncIterator[bytes]:
        who = Who(adapter.name, entity, target.credential)
        upstream = await self.upstream.open_stream(who, adapter.build(request, target), adapter.stream_format)
        relay = StreamRelay(view.name, who, adapter.stream(request, target), access)
        return self._relay(view, caller, decision, relay, upstream)

    async def _relay(
        self, view: EndpointView, caller: Caller, decision: Decision, relay: StreamRelay, upstream: UpstreamStream
    ) -> AsyncIterator[bytes]:
        """The relay's pieces; the upstream is closed and the call accounted however the stream ends."""
        try:
            async for piece in relay.pieces(upstream):
                yield piece
        finally:
            await upstream.aclose()
            self._account(view, caller, decision, relay.prompt_tokens, relay.completion_tokens, relay.ok)
