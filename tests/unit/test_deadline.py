"""Every agent answer leaves the API within ACTION_DEADLINE_SECONDS (24.5 s) of API Gateway receiving the request:
the clock starts at the event's timeEpoch, and outbound calls stop RESPONSE_MARGIN_SECONDS before the end."""

from __future__ import annotations

import pytest

from midtrans_native.deadline import RESPONSE_MARGIN_SECONDS, Deadline, start_invocation


class Clocks:
    def __init__(self) -> None:
        self.monotonic = 1000.0
        self.wall = 1_800_000_000.0

    def event(self, age_seconds: float) -> dict:
        return {"requestContext": {"timeEpoch": int((self.wall - age_seconds) * 1000)}}


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


def anchored(clocks: Clocks, event: dict | None) -> Deadline:
    start_invocation(event, clock=lambda: clocks.monotonic, wall_clock=lambda: clocks.wall)
    return Deadline.for_invocation(None, 24.5, clock=lambda: clocks.monotonic)


def test_the_budget_counts_from_when_api_gateway_received_the_request(clocks: Clocks) -> None:
    # 10 s already spent before the handler ran (a cold start, a queue): 24.5 - 10 - margin left for Midtrans.
    assert anchored(clocks, clocks.event(10.0)).remaining() == pytest.approx(24.5 - 10.0 - RESPONSE_MARGIN_SECONDS)


def test_the_last_outbound_call_ends_half_a_second_before_the_answer_is_due(clocks: Clocks) -> None:
    assert RESPONSE_MARGIN_SECONDS == 0.5
    assert anchored(clocks, clocks.event(0.0)).remaining() == pytest.approx(24.0)


def test_a_request_already_past_its_budget_gets_no_time_at_all(clocks: Clocks) -> None:
    assert anchored(clocks, clocks.event(24.2)).expired()


@pytest.mark.parametrize("age", [3 * 24 * 3600.0, 31.0, -5.0])
def test_implausible_time_epochs_start_the_clock_now(clocks: Clocks, age: float) -> None:
    # Replayed fixtures carry old timeEpochs; a skewed clock may put one in the future.
    assert anchored(clocks, clocks.event(age)).remaining() == pytest.approx(24.0)


@pytest.mark.parametrize("event", [None, {}, {"requestContext": {"timeEpoch": "yesterday"}}, {"requestContext": []}])
def test_events_without_a_usable_time_epoch_start_the_clock_now(clocks: Clocks, event: dict | None) -> None:
    assert anchored(clocks, event).remaining() == pytest.approx(24.0)


def test_the_recorded_arrival_is_used_once(clocks: Clocks) -> None:
    anchored(clocks, clocks.event(10.0))
    # A later invocation in the same thread that records nothing must not inherit the old arrival.
    assert Deadline.for_invocation(None, 24.5, clock=lambda: clocks.monotonic).remaining() == pytest.approx(24.0)


def test_lambda_time_left_still_caps_the_budget(clocks: Clocks) -> None:
    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 5_000

    start_invocation(clocks.event(1.0), clock=lambda: clocks.monotonic, wall_clock=lambda: clocks.wall)
    deadline = Deadline.for_invocation(Context(), 24.5, clock=lambda: clocks.monotonic)
    assert deadline.remaining() == pytest.approx(4.5)
