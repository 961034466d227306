"""Two rules of reading Midtrans' answers, at the client level:

* a 429 carries Midtrans' Retry-After to the caller as `retry_after_seconds` (whole seconds, at least 1; None when
  absent or unreadable), whichever API answered and whether the call was retried or not (a refund never is);
* only Midtrans' own JSON is evidence about a transaction or a link: an HTTP status with a body of another shape
  (a proxy's HTML, a gateway's JSON) is an API error, never not-found, duplicate, not-modifiable or "taken".
"""

from __future__ import annotations

from email.utils import formatdate

import pytest
import requests
import responses

from midtrans_native.deadline import Deadline
from midtrans_native.errors import (
    DuplicateRefund,
    MidtransApiError,
    MidtransError,
    MidtransRateLimited,
    TransactionNotFound,
    TransactionNotModifiable,
)
from midtrans_native.midtrans.bisnap_mapping import raise_for_failure
from midtrans_native.midtrans.core_api import CoreApiClient
from midtrans_native.midtrans.payment_links import (
    PaymentLinkClient,
    PaymentLinkConflict,
    PaymentLinkNotFound,
    PaymentLinkPayload,
    WireTransactionDetails,
)
from midtrans_native.midtrans.transport import (
    MAX_RETRY_AFTER_SECONDS,
    MidtransReply,
    MidtransTransport,
    RetryPolicy,
    parse_retry_after,
)

from .fakes import BASE, CREDENTIALS, FakeClock

STATUS = f"{BASE}/v2/ORDER-1/status"
REFUND = f"{BASE}/v2/ORDER-1/refund"
CANCEL = f"{BASE}/v2/ORDER-1/cancel"
LINKS = f"{BASE}/v1/payment-links"
NOW = 1_800_000_000.0
LINK_ID = "mna-abcdefghijklmnopqrstuvwxyz234567"
PAYLOAD = PaymentLinkPayload(
    transaction_details=WireTransactionDetails(order_id="ORDER-1", gross_amount=150000, payment_link_id=LINK_ID),
    usage_limit=1,
)
HTML = "<html><head><title>404 Not Found</title></head><body><center>nginx</center></body></html>"


def transport(attempts: int = 3) -> MidtransTransport:
    clock = FakeClock()
    return MidtransTransport(
        requests.Session(),
        BASE,
        CREDENTIALS,
        Deadline(25, clock=clock),
        retry=RetryPolicy(max_attempts=attempts),
        sleep=clock.sleep,
        jitter=lambda: 0.0,
    )


def http_date(seconds_from_now: float) -> str:
    return formatdate(NOW + seconds_from_now, usegmt=True)


# ---- parsing Retry-After -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("1.5", 1.5),  # not RFC, tolerated as before
        (http_date(120), 120.0),
        (http_date(-60), 0.0),  # a date already past: no wait
        (formatdate(NOW + 30).replace("-0000", "GMT"), 30.0),
        ("999999999999", float(MAX_RETRY_AFTER_SECONDS)),
    ],
)
def test_retry_after_is_delta_seconds_or_an_http_date(value: str, seconds: float) -> None:
    assert parse_retry_after(value, now=lambda: NOW) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "value",
    [None, "", "   ", "soon", "-1", "inf", "nan", "1e3", "３", "Fri, 99 Foo 2026", "12 seconds"],  # noqa: RUF001
)
def test_an_absent_or_unreadable_retry_after_is_none(value: str | None) -> None:
    assert parse_retry_after(value, now=lambda: NOW) is None


@pytest.mark.parametrize(
    ("headers", "hint"),
    [
        ({"Retry-After": "30"}, 30),
        ({"retry-after": "30"}, 30),  # HTTP/2 and many proxies send header names in lower case
        ({"RETRY-AFTER": "2"}, 2),
        ({"Retry-After": "1.2"}, 2),  # rounded up: never earlier than asked
        ({"Retry-After": "0"}, 1),  # at least 1
        ({"Retry-After": formatdate(0, usegmt=True)}, 1),  # long past
        ({"Retry-After": "whenever"}, None),
        ({}, None),
    ],
)
def test_the_reply_gives_whole_seconds_at_least_one(headers: dict[str, str], hint: int | None) -> None:
    assert MidtransReply(429, {}, headers).retry_after_seconds == hint


@responses.activate
def test_a_lower_case_retry_after_is_honoured_by_the_retry_loop_too() -> None:
    responses.get(STATUS, status=429, headers={"retry-after": "3"}, json={})
    responses.get(STATUS, json={"status_code": "200"})
    clock = FakeClock()
    t = MidtransTransport(
        requests.Session(), BASE, CREDENTIALS, Deadline(25, clock=clock), sleep=clock.sleep, jitter=lambda: 0.0
    )
    t.request("GET", "/v2/ORDER-1/status", idempotent=True)
    assert clock.sleeps == [3.0]


# ---- the hint reaches the exception ------------------------------------------------------------------------


@responses.activate
def test_a_refund_hit_by_429_carries_retry_after() -> None:
    """Refunds are sent once (never retried): the 429 and its Retry-After go straight to the caller."""
    responses.post(REFUND, status=429, headers={"Retry-After": "17"}, json={"status_code": "429"})
    with pytest.raises(MidtransRateLimited) as raised:
        CoreApiClient(transport()).refund("ORDER-1", refund_key="rk-1", amount=1000, reason=None)
    assert (raised.value.retry_after_seconds, raised.value.failure_reason) == (17, "rate_limited")
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    ("reply", "hint"),
    [
        ({"status": 429, "json": {"status_code": "429", "status_message": "API rate limit exceeded"}}, None),
        ({"status": 429, "json": {"status_code": "429"}, "headers": {"Retry-After": "soon"}}, None),
        ({"status": 200, "json": {"status_code": "429"}, "headers": {"Retry-After": "4"}}, 4),  # code in a 200
        ({"status": 429, "body": "<html>Too Many Requests</html>", "headers": {"Retry-After": "6"}}, 6),  # a gateway's
        ({"status": 429, "json": {"message": "slow down"}, "headers": {"retry-after": "8"}}, 8),
    ],
)
@responses.activate
def test_a_cancel_hit_by_429_carries_what_retry_after_said(reply: dict[str, object], hint: int | None) -> None:
    responses.post(CANCEL, **reply)  # type: ignore[arg-type]
    with pytest.raises(MidtransRateLimited) as raised:
        CoreApiClient(transport()).cancel("ORDER-1")
    assert raised.value.retry_after_seconds == hint


@responses.activate
def test_a_status_read_past_its_retries_carries_the_last_retry_after() -> None:
    """Retry-After longer than the deadline: no sleep, the 429 goes back to the caller with the server's wait."""
    responses.get(STATUS, status=429, headers={"Retry-After": "40"}, json={"status_code": "429"})
    with pytest.raises(MidtransRateLimited) as raised:
        CoreApiClient(transport()).get_status("ORDER-1")
    assert raised.value.retry_after_seconds == 40 and len(responses.calls) == 1


@responses.activate
def test_a_payment_link_create_hit_by_429_carries_retry_after() -> None:
    responses.post(LINKS, status=429, headers={"Retry-After": "45"}, json={"error_messages": ["rate limited"]})
    with pytest.raises(MidtransRateLimited) as raised:
        PaymentLinkClient(transport()).create(PAYLOAD)
    assert raised.value.retry_after_seconds == 45


def test_a_bisnap_429_carries_retry_after() -> None:
    reply = MidtransReply(429, {"responseCode": "4295800", "responseMessage": "Too Many"}, {"Retry-After": "12"})
    with pytest.raises(MidtransRateLimited) as raised:
        raise_for_failure(reply, "debit refund")
    assert raised.value.retry_after_seconds == 12


def test_other_failures_carry_no_hint() -> None:
    assert MidtransApiError("x").retry_after_seconds is None
    assert MidtransRateLimited("x").retry_after_seconds is None


# ---- bodies that are not Midtrans' JSON --------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        {"status": 404, "body": HTML, "content_type": "text/html"},
        {"status": 404, "json": {"message": "Not Found"}},  # a gateway's JSON
        {"status": 404, "json": {"timestamp": "x", "status": 404, "error": "Not Found", "path": "/v2/x/status"}},
        {"status": 404, "body": ""},
    ],
)
@responses.activate
def test_a_status_read_404_without_midtrans_json_is_an_api_error(reply: dict[str, object]) -> None:
    responses.get(STATUS, **reply)  # type: ignore[arg-type]
    with pytest.raises(MidtransError) as raised:
        CoreApiClient(transport(attempts=1)).get_status("ORDER-1")
    assert type(raised.value) is MidtransApiError and raised.value.failure_reason == "api_error"


@pytest.mark.parametrize("status", [404, 406, 409, 412, 414])
@responses.activate
def test_refund_outcomes_need_midtrans_json(status: int) -> None:
    """Duplicate (406), not modifiable (412), amount (414), not found: each only from the body's status_code."""
    responses.post(REFUND, status=status, body=HTML, content_type="text/html")
    with pytest.raises(MidtransError) as raised:
        CoreApiClient(transport()).refund("ORDER-1", refund_key="rk-1", amount=1000, reason=None)
    assert type(raised.value) is MidtransApiError


@responses.activate
def test_a_link_409_without_midtrans_json_is_not_a_conflict() -> None:
    responses.post(LINKS, status=409, body=HTML, content_type="text/html")
    with pytest.raises(MidtransError) as raised:
        PaymentLinkClient(transport(attempts=1)).create(PAYLOAD)
    assert type(raised.value) is MidtransApiError


@responses.activate
def test_a_link_409_with_midtrans_error_messages_is_a_conflict() -> None:
    responses.post(LINKS, status=409, json={"error_messages": ["transaction_details.order_id has been taken"]})
    with pytest.raises(PaymentLinkConflict):
        PaymentLinkClient(transport(attempts=1)).create(PAYLOAD)


@pytest.mark.parametrize("reply", [{"body": HTML, "content_type": "text/html"}, {"json": {"message": "Not Found"}}])
@responses.activate
def test_a_link_read_404_without_midtrans_json_is_not_a_missing_link(reply: dict[str, object]) -> None:
    responses.get(f"{LINKS}/ORDER-1", status=404, **reply)  # type: ignore[arg-type]
    with pytest.raises(MidtransError) as raised:
        PaymentLinkClient(transport(attempts=1)).get("ORDER-1")
    assert type(raised.value) is MidtransApiError


@responses.activate
def test_a_link_4xx_page_is_an_api_error_not_invalid_request() -> None:
    """A proxy's 403 says nothing about the request's data: "try later", not "support has to look"."""
    responses.post(LINKS, status=403, body="<html>Forbidden</html>", content_type="text/html")
    with pytest.raises(MidtransError) as raised:
        PaymentLinkClient(transport(attempts=1)).create(PAYLOAD)
    assert type(raised.value) is MidtransApiError


@pytest.mark.parametrize(
    ("status", "body", "before"),
    [
        (404, {"message": "Not Found"}, TransactionNotFound),
        (409, {"error": "Conflict"}, DuplicateRefund),
        (403, {"message": "Forbidden"}, TransactionNotModifiable),
        (405, {"message": "Method Not Allowed"}, TransactionNotModifiable),
        (404, None, TransactionNotFound),
    ],
)
def test_bisnap_outcomes_need_a_response_code(status: int, body: dict[str, str] | None, before: type) -> None:
    with pytest.raises(MidtransError) as raised:
        raise_for_failure(MidtransReply(status, body), "debit status")
    assert type(raised.value) is MidtransApiError and not isinstance(raised.value, before)


def test_bisnap_own_codes_still_decide() -> None:
    with pytest.raises(TransactionNotFound):
        raise_for_failure(MidtransReply(404, {"responseCode": "4045801", "responseMessage": "Not found"}), "refund")
    with pytest.raises(DuplicateRefund):
        raise_for_failure(MidtransReply(409, {"responseCode": "4097801", "responseMessage": "Dup"}), "refund")


@responses.activate
def test_midtrans_own_404_is_still_not_found() -> None:
    responses.get(STATUS, status=404, json={"status_code": "404", "status_message": "Transaction doesn't exist."})
    with pytest.raises(TransactionNotFound):
        CoreApiClient(transport(attempts=1)).get_status("ORDER-1")


@responses.activate
def test_a_link_read_404_with_midtrans_error_messages_is_a_missing_link() -> None:
    responses.get(f"{LINKS}/ORDER-1", status=404, json={"error_messages": ["Payment link not found"]})
    with pytest.raises(PaymentLinkNotFound):
        PaymentLinkClient(transport(attempts=1)).get("ORDER-1")
