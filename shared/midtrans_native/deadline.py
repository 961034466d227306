"""One deadline per invocation, shared by every outbound call, retry and sleep (docs/product-contract.md §2).

HTTP APIs stop waiting at 30 s, so every action must answer inside ACTION_DEADLINE_SECONDS (25 s by
default). The budget is also capped by what Lambda itself has left, minus a margin to write the answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

# Time kept back to serialise the response and flush metrics after the last outbound call.
RESPONSE_MARGIN_SECONDS = 1.0


class RemainingTime(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


class Deadline:
    def __init__(self, budget_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._expires_at = clock() + max(0.0, budget_seconds)

    @classmethod
    def for_invocation(
        cls,
        context: RemainingTime | None,
        budget_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> Deadline:
        budget = budget_seconds
        if context is not None:
            lambda_left = context.get_remaining_time_in_millis() / 1000.0 - RESPONSE_MARGIN_SECONDS
            budget = min(budget, lambda_left)
        return cls(budget, clock)

    def remaining(self) -> float:
        return max(0.0, self._expires_at - self._clock())

    def expired(self) -> bool:
        return self.remaining() <= 0.0
