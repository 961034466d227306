"""Retries, timeouts and the deadline (docs/product-contract.md §2, §5): safe calls retry, unsafe calls never do."""

from __future__ import annotations

import base64

import pytest
import requests
import responses

from midtrans_native.deadline import Deadline
from midtrans_native.errors import DeadlineExceeded, MidtransTimeout
from midtrans_native.midtrans.transport import MidtransTransport, RetryPolicy

from .fakes import BASE, CREDENTIALS, SERVER_KEY, FakeClock

URL = f"{BASE}/v2/ORDER-1/status"
OK = {"status_code": "200", "order_id": "ORDER-1"}


def transport(clock: FakeClock, budget: float = 25.0, jitter: float = 1.0, attempts: int = 3) -> MidtransTransport:
    return MidtransTransport(
        requests.Session(),
        BASE,
        CREDENTIALS,
        Deadline(budget, clock=clock),
        retry=RetryPolicy(max_attempts=attempts, base_delay_seconds=0.25, max_delay_seconds=2.0),
        sleep=clock.sleep,
        jitter=lambda: jitter,
    )


@responses.activate
def test_basic_auth_is_the_server_key_with_an_empty_password() -> None:
    responses.get(URL, json=OK)
    transport(FakeClock()).request("GET", "/v2/ORDER-1/status", idempotent=True)
    expected = "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()
    assert responses.calls[0].request.headers["Authorization"] == expected


@responses.activate
def test_safe_call_retries_429_and_5xx_then_succeeds() -> None:
    responses.get(URL, status=429, json={"status_code": "429"})
    responses.get(URL, status=503, body="upstream down")
    responses.get(URL, json=OK)
    clock = FakeClock()
    reply = transport(clock).request("GET", "/v2/ORDER-1/status", idempotent=True)
    assert reply.status_code == 200
    assert len(responses.calls) == 3
    assert clock.sleeps == [0.25, 0.5]  # jitter=1.0 → the cap of each attempt: 0.25·2^(n-1)


@responses.activate
def test_429_inside_an_http_200_body_is_retried_too() -> None:
    responses.get(URL, json={"status_code": "429", "status_message": "rate limited"})
    responses.get(URL, json=OK)
    reply = transport(FakeClock()).request("GET", "/v2/ORDER-1/status", idempotent=True)
    assert reply.status_code == 200 and len(responses.calls) == 2


@responses.activate
def test_full_jitter_draws_between_zero_and_the_cap() -> None:
    responses.get(URL, status=500, json={})
    responses.get(URL, status=500, json={})
    responses.get(URL, status=500, json={})
    clock = FakeClock()
    reply = transport(clock, jitter=0.0).request("GET", "/v2/ORDER-1/status", idempotent=True)
    assert reply.http_status == 500  # attempts exhausted: the last reply is returned for classification
    assert clock.sleeps == [0.0, 0.0]


@responses.activate
def test_retry_after_is_honoured_when_the_deadline_allows() -> None:
    responses.get(URL, status=429, headers={"Retry-After": "3"}, json={})
    responses.get(URL, json=OK)
    clock = FakeClock()
    transport(clock).request("GET", "/v2/ORDER-1/status", idempotent=True)
    assert clock.sleeps == [3.0]


@responses.activate
def test_no_sleep_past_the_deadline_the_429_is_returned_instead() -> None:
    responses.get(URL, status=429, headers={"Retry-After": "30"}, json={})
    clock = FakeClock()
    reply = transport(clock, budget=5.0).request("GET", "/v2/ORDER-1/status", idempotent=True)
    assert reply.http_status == 429
    assert clock.sleeps == [] and len(responses.calls) == 1


@responses.activate
def test_unsafe_call_is_sent_exactly_once_even_on_503() -> None:
    responses.post(f"{BASE}/v2/ORDER-1/cancel", status=503, json={})
    clock = FakeClock()
    reply = transport(clock).request("POST", "/v2/ORDER-1/cancel", idempotent=False)
    assert reply.http_status == 503 and len(responses.calls) == 1 and clock.sleeps == []


@responses.activate
def test_connection_error_on_a_safe_call_is_retried() -> None:
    responses.get(URL, body=requests.ConnectionError("reset by peer"))
    responses.get(URL, json=OK)
    reply = transport(FakeClock()).request("GET", "/v2/ORDER-1/status", idempotent=True)
    assert reply.status_code == 200 and len(responses.calls) == 2


@responses.activate
def test_timeout_on_an_unsafe_call_is_an_unknown_outcome_not_a_retry() -> None:
    responses.post(f"{BASE}/v2/ORDER-1/cancel", body=requests.ReadTimeout("slow"))
    with pytest.raises(MidtransTimeout):
        transport(FakeClock()).request("POST", "/v2/ORDER-1/cancel", idempotent=False)
    assert len(responses.calls) == 1


@responses.activate
def test_repeated_timeouts_end_as_a_timeout_after_the_allowed_attempts() -> None:
    for _ in range(3):
        responses.get(URL, body=requests.ConnectTimeout("no route"))
    with pytest.raises(MidtransTimeout):
        transport(FakeClock()).request("GET", "/v2/ORDER-1/status", idempotent=True)
    assert len(responses.calls) == 3


@responses.activate
def test_no_call_starts_when_the_deadline_is_spent() -> None:
    clock = FakeClock()
    t = transport(clock, budget=0.3)
    with pytest.raises(DeadlineExceeded):
        t.request("GET", "/v2/ORDER-1/status", idempotent=True)
    assert len(responses.calls) == 0


@responses.activate
def test_socket_timeouts_are_capped_by_what_the_deadline_has_left() -> None:
    seen: list[object] = []

    def capture(request):  # type: ignore[no-untyped-def]
        seen.append(request.req_kwargs["timeout"])
        return (200, {}, '{"status_code": "200"}')

    responses.add_callback(responses.GET, URL, callback=capture)
    transport(FakeClock(), budget=2.0).request("GET", "/v2/ORDER-1/status", idempotent=True)
    assert seen == [(2.0, 2.0)]


def test_deadline_takes_the_smaller_of_budget_and_lambda_time_left() -> None:
    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 10_000

    clock = FakeClock()
    assert Deadline.for_invocation(Context(), 25.0, clock=clock).remaining() == pytest.approx(9.5)
    assert Deadline.for_invocation(None, 25.0, clock=clock).remaining() == pytest.approx(24.5)
