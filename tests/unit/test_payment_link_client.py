"""Payment Link API client: real HTTP statuses, `error_messages` array-or-string, safe retries
(docs/midtrans-behaviour.md §8)."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from midtrans_native.deadline import Deadline
from midtrans_native.errors import (
    MidtransApiError,
    MidtransAuthError,
    MidtransError,
    MidtransInvalidRequest,
    MidtransRateLimited,
    MidtransTimeout,
)
from midtrans_native.midtrans.payment_links import (
    PaymentLinkClient,
    PaymentLinkConflict,
    PaymentLinkNotFound,
    PaymentLinkPayload,
    WireTransactionDetails,
    error_messages,
)
from midtrans_native.midtrans.transport import MidtransTransport, RetryPolicy
from midtrans_native.models.payment_links import ItemDetail, LinkExpiry

from .fakes import BASE, CREDENTIALS, FakeClock

CREATE = f"{BASE}/v1/payment-links"
LINK_ID = "mna-abcdefghijklmnopqrstuvwxyz234567"
PAGE = f"https://app.sandbox.midtrans.com/payment-links/{LINK_ID}"
PAYLOAD = PaymentLinkPayload(
    transaction_details=WireTransactionDetails(order_id="ORDER-1", gross_amount=150000, payment_link_id=LINK_ID),
    usage_limit=1,
    item_details=[ItemDetail(name="Coffee", price=75000, quantity=2)],
    expiry=LinkExpiry(duration=2, unit="day"),
)


def client(attempts: int = 1) -> tuple[PaymentLinkClient, FakeClock]:
    clock = FakeClock()
    transport = MidtransTransport(
        requests.Session(),
        BASE,
        CREDENTIALS,
        Deadline(25, clock=clock),
        retry=RetryPolicy(max_attempts=attempts),
        sleep=clock.sleep,
        jitter=lambda: 0.0,
    )
    return PaymentLinkClient(transport), clock


@responses.activate
def test_create_sends_the_payload_with_basic_auth_and_returns_the_link() -> None:
    responses.post(CREATE, json={"order_id": "ORDER-1", "payment_url": PAGE, "added_later": 1})
    link = client()[0].create(PAYLOAD)
    assert (link.order_id, link.url, link.payment_link_id) == ("ORDER-1", PAGE, LINK_ID)
    [call] = responses.calls
    assert json.loads(call.request.body or b"") == {
        "transaction_details": {"order_id": "ORDER-1", "gross_amount": 150000, "payment_link_id": LINK_ID},
        "usage_limit": 1,
        "item_details": [{"name": "Coffee", "price": 75000, "quantity": 2}],
        "expiry": {"duration": 2, "unit": "day"},
    }
    assert call.request.headers["Authorization"].startswith("Basic ")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"error_messages": ["a", "b"]}, ["a", "b"]),
        (
            {"error_messages": "Access denied due to unauthorized request"},
            ["Access denied due to unauthorized request"],
        ),
        ({"error_messages": None}, []),
        ({"message": "x"}, []),
        (None, []),
    ],
)
def test_error_messages_array_or_string(body: dict[str, object] | None, expected: list[str]) -> None:
    assert error_messages(body) == expected


@pytest.mark.parametrize(
    ("status", "body", "error", "reason"),
    [
        (
            400,
            {"error_messages": ["transaction_details.gross_amount is required"]},
            MidtransInvalidRequest,
            "invalid_request",
        ),
        (401, {"error_messages": "Access denied due to unauthorized request"}, MidtransAuthError, "auth_error"),
        (401, {"error_messages": ["Access denied"]}, MidtransAuthError, "auth_error"),
        (403, {"error_messages": ["forbidden"]}, MidtransInvalidRequest, "invalid_request"),
        (429, {"error_messages": ["API rate limit exceeded"]}, MidtransRateLimited, "rate_limited"),
        (500, {"error_messages": ["internal"]}, MidtransApiError, "api_error"),
        (503, None, MidtransApiError, "api_error"),
        (302, None, MidtransApiError, "api_error"),
    ],
)
@responses.activate
def test_create_failures_map_to_failure_reasons(
    status: int, body: dict[str, object] | None, error: type[MidtransError], reason: str
) -> None:
    if body is None:
        responses.post(CREATE, status=status, body="<html>bad gateway</html>")
    else:
        responses.post(CREATE, status=status, json=body)
    with pytest.raises(error) as raised:
        client()[0].create(PAYLOAD)
    assert raised.value.failure_reason == reason
    assert raised.value.http_status == status


@responses.activate
def test_the_401_string_is_kept_for_operators_in_the_detail() -> None:
    responses.post(CREATE, status=401, json={"error_messages": "Access denied due to unauthorized request"})
    with pytest.raises(MidtransAuthError) as raised:
        client()[0].create(PAYLOAD)
    assert raised.value.detail == "create payment link: HTTP 401: Access denied due to unauthorized request"


@responses.activate
def test_a_hostile_error_body_cannot_flood_the_log() -> None:
    responses.post(CREATE, status=400, json={"error_messages": ["x" * 100_000]})
    with pytest.raises(MidtransInvalidRequest) as raised:
        client()[0].create(PAYLOAD)
    assert len(raised.value.detail) < 400


@responses.activate
def test_duplicate_order_id_is_a_conflict() -> None:
    responses.post(CREATE, status=409, json={"error_messages": ["The Order ID 'ORDER-1' has been taken"]})
    with pytest.raises(PaymentLinkConflict):
        client()[0].create(PAYLOAD)


@responses.activate
def test_our_payment_link_id_taken_is_a_conflict_but_other_400s_are_not() -> None:
    responses.post(CREATE, status=400, json={"error_messages": [f"This Payment Link ID '{LINK_ID}' has been taken"]})
    with pytest.raises(PaymentLinkConflict):
        client()[0].create(PAYLOAD)
    responses.replace(
        responses.POST, CREATE, status=400, json={"error_messages": ["Payment Link ID 'other' has been taken"]}
    )
    with pytest.raises(MidtransInvalidRequest):
        client()[0].create(PAYLOAD)


@pytest.mark.parametrize(
    "body",
    [
        {"order_id": "ORDER-1"},
        {"order_id": "ORDER-1", "payment_url": "javascript:alert(1)"},
        {"order_id": "ORDER-1", "payment_url": "https://"},
        {"order_id": "ORDER-1", "payment_url": "https://app.midtrans.com/pay ment"},
    ],
)
@responses.activate
def test_a_success_without_a_usable_url_is_an_api_error(body: dict[str, object]) -> None:
    responses.post(CREATE, json=body)
    with pytest.raises(MidtransApiError):
        client()[0].create(PAYLOAD)


@responses.activate
def test_create_is_retried_on_5xx_and_a_retry_that_meets_its_own_link_is_a_conflict() -> None:
    # The first attempt landed but its answer was a 502; the retry then finds the order id taken.
    responses.post(CREATE, status=502, json={"error_messages": ["bad gateway"]})
    responses.post(CREATE, status=409, json={"error_messages": ["The Order ID 'ORDER-1' has been taken"]})
    links, clock = client(attempts=3)
    with pytest.raises(PaymentLinkConflict):
        links.create(PAYLOAD)
    assert len(responses.calls) == 2 and clock.sleeps == [0.0]


@responses.activate
def test_a_timeout_on_every_attempt_is_a_timeout() -> None:
    responses.post(CREATE, body=requests.ReadTimeout("slow"))
    links, _ = client(attempts=2)
    with pytest.raises(MidtransTimeout):
        links.create(PAYLOAD)
    assert len(responses.calls) == 2


@responses.activate
def test_get_reads_the_existing_link() -> None:
    responses.get(
        f"{CREATE}/ORDER-1",
        json={"order_id": "ORDER-1", "payment_link_url": PAGE, "payment_link_id": LINK_ID, "usage": 0, "purchases": []},
    )
    link = client()[0].get("ORDER-1")
    assert (link.order_id, link.url, link.payment_link_id) == ("ORDER-1", PAGE, LINK_ID)


@responses.activate
def test_get_takes_the_link_id_from_the_url_when_the_body_lacks_it() -> None:
    responses.get(f"{CREATE}/ORDER-1", json={"order_id": "ORDER-1", "payment_link_url": PAGE})
    assert client()[0].get("ORDER-1").payment_link_id == LINK_ID


@responses.activate
def test_get_not_found_and_failures() -> None:
    responses.get(f"{CREATE}/ORDER-1", status=404, json={"error_messages": ["Payment link not found"]})
    with pytest.raises(PaymentLinkNotFound):
        client()[0].get("ORDER-1")
    responses.replace(responses.GET, f"{CREATE}/ORDER-1", status=401, json={"error_messages": "Access denied"})
    with pytest.raises(MidtransAuthError):
        client()[0].get("ORDER-1")


def test_get_refuses_an_order_id_that_would_leave_the_path() -> None:
    with pytest.raises(ValueError, match="order_id"):
        client()[0].get("../v2/x")
