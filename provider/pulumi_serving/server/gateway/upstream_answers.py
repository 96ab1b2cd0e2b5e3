"""The one boundary between an upstream's answer and the caller: whatever an upstream sends, the caller gets the
standard answer or a 502 with a Databricks error body, and a stream ends with ``[DONE]`` or one error event.

An adapter's translation is pure code reading values the upstream chose (whoever creates an endpoint chooses
its upstream), so anything it raises means the answer was not of its provider's shape; and what it built is
checked against the standard shapes (``responses.answer_problem`` / ``chunk_problem``) before it leaves, so a
number out of range (``1e999``, a count beyond 2**53), a value of the wrong type or text that is not valid
Unicode never reaches the caller, the usage ledger or the rate limiter. Nothing here logs an answer's content.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any

from ..errors import ApiError
from . import fast_json, responses
from .providers import ProviderAdapter, StreamTranslator, Target
from .request import StandardRequest
from .upstream.client import Who
from .upstream.errors import UpstreamError, bad_answer

log = logging.getLogger("pulumi_serving.gateway")

DONE = b"data: [DONE]\n\n"
ACCESS_CHECK_S = 0.5  # how often an open stream asks whether its caller may still be served
Access = Callable[[], object]  # raises an ApiError once the caller may no longer be served


def sse(data: Any) -> bytes:
    return b"data: " + fast_json.dumps(data) + b"\n\n"


def _unreadable(who: Who, what: str, err: Exception) -> UpstreamError:
    return bad_answer(who.provider, who.entity, f"{what} of another shape than its provider's ({type(err).__name__})")


def standard_answer(who: Who, adapter: ProviderAdapter, request: StandardRequest, target: Target, body: Any) -> Any:
    """The standard answer for an upstream's JSON answer ``body`` (any JSON value); a 502 when it is unusable."""
    if not isinstance(body, dict):
        raise bad_answer(who.provider, who.entity, "a body that is not a JSON object")
    try:
        answer = adapter.translate(request, target, body)
    except Exception as err:  # the pure translation of the upstream's values: see the module docstring
        raise _unreadable(who, "a body", err) from None
    if problem := responses.answer_problem(answer):
        raise bad_answer(who.provider, who.entity, f"an answer the gateway cannot pass on: {problem}")
    return answer


class StreamRelay:
    """Turns an upstream's decoded events into the caller's SSE bytes: standard chunks, then ``[DONE]``; any
    failure (an unusable event, a stream ending before its last event, a timeout or broken connection raised
    by the upstream's iteration) ends the stream with one error event instead. ``ok`` tells whether it ended
    well; ``prompt_tokens`` and ``completion_tokens`` are the translator's last counts that were counts.

    ``access`` (when given) is asked every ACCESS_CHECK_S whether the caller may still be served (it raises an
    ApiError when not, e.g. its token was revoked): the stream then ends with that error as its event, at once
    when it was waiting for the upstream, else before its next piece."""

    def __init__(self, endpoint: str, who: Who, translator: StreamTranslator, access: Access | None = None):
        self.endpoint, self.who, self.translator, self.access = endpoint, who, translator, access
        self.ok = False
        self.prompt_tokens, self.completion_tokens = translator.prompt_tokens, translator.completion_tokens
        self._refusal: ApiError | None = None
        self._waiting = False
        self._interrupted = False  # the timer cancelled the reading task (an outside cancel stays a cancel)
        self._timer: asyncio.TimerHandle | None = None

    def _counts(self) -> tuple[int, int]:
        counts = (self.translator.prompt_tokens, self.translator.completion_tokens)
        for count in counts:
            if problem := responses.count_problem(count, "a token count"):
                raise bad_answer(self.who.provider, self.who.entity, f"a stream the gateway cannot pass on: {problem}")
        return counts

    def _piece(self, events: list[dict[str, Any]]) -> bytes:
        try:
            chunks = [chunk for event in events for chunk in self.translator.feed(event)]
        except Exception as err:  # the pure translation of the upstream's values: see the module docstring
            raise _unreadable(self.who, "a stream event", err) from None
        self.prompt_tokens, self.completion_tokens = self._counts()
        for chunk in chunks:
            if problem := responses.chunk_problem(chunk):
                raise bad_answer(self.who.provider, self.who.entity, f"a stream the gateway cannot pass on: {problem}")
        return b"".join(sse(chunk) for chunk in chunks)

    def _check_access(self, task: asyncio.Task[Any]) -> None:
        """The timer: ask ``access``; on a refusal remember it and interrupt a wait for the upstream."""
        assert self.access is not None
        try:
            self.access()
        except ApiError as refusal:
            self._refusal = refusal
            if self._waiting:
                self._interrupted = task.cancel()
            return
        self._timer = asyncio.get_running_loop().call_later(ACCESS_CHECK_S, self._check_access, task)

    async def pieces(self, upstream: AsyncIterable[list[dict[str, Any]]]) -> AsyncIterator[bytes]:
        task = asyncio.current_task()
        if self.access is not None and task is not None:
            self._timer = asyncio.get_running_loop().call_later(ACCESS_CHECK_S, self._check_access, task)
        try:
            events_of = aiter(upstream)
            while True:
                if self._refusal is not None:  # refused while the caller was taking the last piece
                    raise self._refusal
                self._waiting = True
                try:
                    events = await anext(events_of)
                except StopAsyncIteration:
                    break
                finally:
                    self._waiting = False
                if self._refusal is not None:
                    raise self._refusal
                if piece := self._piece(events):
                    yield piece
            if not self.translator.done:
                raise bad_answer(self.who.provider, self.who.entity, "a stream that ended before its last event")
            self.ok = True
            yield DONE
        except asyncio.CancelledError:
            if not self._interrupted or self._refusal is None or task is None:
                raise
            task.uncancel()
            yield self._end(self._refusal)
        except ApiError as err:
            yield self._end(err)
        finally:
            if self._timer is not None:
                self._timer.cancel()

    def _end(self, err: ApiError) -> bytes:
        if err is self._refusal:
            log.warning(
                "endpoint %s: stream ended, its caller may no longer be served (HTTP %s)", self.endpoint, err.status
            )
        else:
            log.warning(
                "endpoint %s: served entity %s stream failed with HTTP %s", self.endpoint, self.who.entity, err.status
            )
        return sse(err.body())
