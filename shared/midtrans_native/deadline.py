"""One deadline per invocation, shared by every outbound call, retry and sleep (docs/product-contract.md §2).

HTTP APIs stop waiting at 30 s. Every agent answer must leave the API within ACTION_DEADLINE_SECONDS (24.5 s) of
API Gateway receiving the request — serialisation and writing included — so the clock starts at the request's
`requestContext.timeEpoch` (a cold start or a slow gate is inside the budget), and outbound calls must be done
RESPONSE_MARGIN_SECONDS before the end. The budget is also capped by what Lambda itself has left.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, Protocol

# Time kept back to serialise the response, flush metrics and write it, after the last outbound call.
RESPONSE_MARGIN_SECONDS = 0.5
# A timeEpoch older than the HTTP API's own limit cannot be a request someone is still waiting for (a replayed
# fixture, a test event): the invocation's start is then the clock's now. So is one from the future (clock skew).
_MAX_PLAUSIBLE_AGE_SECONDS = 30.0
_MAX_FUTURE_SKEW_SECONDS = 2.0

# When this invocation's request reached API Gateway, on the monotonic clock. Set by the entry points.
_received_at: ContextVar[float | None] = ContextVar("midtrans_native_request_received_at", default=None)


class RemainingTime(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


def start_invocation(
    event: Mapping[str, Any] | None,
    clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], float] = time.time,
) -> float:
    """Record when the request reached API Gateway (its `timeEpoch`, in milliseconds), as a monotonic time."""
    now = clock()
    received = now
    context = (event or {}).get("requestContext") or {}
    epoch_ms = context.get("timeEpoch") if isinstance(context, Mapping) else None
    if isinstance(epoch_ms, int | float) and not isinstance(epoch_ms, bool):
        age = wall_clock() - epoch_ms / 1000.0
        if -_MAX_FUTURE_SKEW_SECONDS <= age <= _MAX_PLAUSIBLE_AGE_SECONDS:
            received = now - max(0.0, age)
    _received_at.set(received)
    return received


class Deadline:
    def __init__(self, budget_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._expires_at = clock() + max(0.0, budget_seconds)

    @classmethod
    def for_invocation(
        cls,
        context: RemainingTime | None,
        answer_within_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> Deadline:
        """Outbound calls end RESPONSE_MARGIN_SECONDS before the answer is due: `answer_within_seconds` after the
        request reached API Gateway (see `start_invocation`; now, when no entry point recorded it)."""
        now = clock()
        received = _received_at.get()
        _received_at.set(None)  # used once: a later invocation in this thread that records nothing starts from now
        elapsed = max(0.0, now - received) if received is not None else 0.0
        budget = answer_within_seconds - elapsed - RESPONSE_MARGIN_SECONDS
        if context is not None:
            lambda_left = context.get_remaining_time_in_millis() / 1000.0 - RESPONSE_MARGIN_SECONDS
            budget = min(budget, lambda_left)
        return cls(budget, clock)

    def remaining(self) -> float:
        return max(0.0, self._expires_at - self._clock())

    def expired(self) -> bool:
        return self.remaining() <= 0.0
