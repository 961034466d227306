"""Midtrans' outcome lives in the body: classification of every reply shape (docs/midtrans-behaviour.md §4, §5)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
import requests
import responses
from hypothesis import given
from hypothesis import strategies as st

from midtrans_native.deadline import Deadline
from midtrans_native.errors import (
    MidtransApiError,
    MidtransAuthError,
    MidtransError,
    MidtransInvalidRequest,
    MidtransRateLimited,
    TransactionNotFound,
)
from midtrans_native.midtrans.core_api import CoreApiClient, order_path
from midtrans_native.midtrans.transport import MidtransTransport, RetryPolicy

from .fakes import BASE, CREDENTIALS, FakeClock

URL = f"{BASE}/v2/ORDER-1/status"
FOUND = {
    "status_code": "200",
    "status_message": "Success, transaction is found",
    "transaction_id": "5c2b4b2e-0a7e-4a57-9c1e-3b1f0a9d1111",
    "order_id": "ORDER-1",
    "payment_type": "gopay",
    "transaction_time": "2026-11-20 10:15:00",
    "transaction_status": "settlement",
    "fraud_status": "accept",
    "gross_amount": "150000.00",
    "currency": "IDR",
}


def client() -> CoreApiClient:
    clock = FakeClock()
    transport = MidtransTransport(
        requests.Session(),
        BASE,
        CREDENTIALS,
        Deadline(25, clock=clock),
        retry=RetryPolicy(max_attempts=1),
        sleep=clock.sleep,
    )
    return CoreApiClient(transport)


@responses.activate
def test_found_transaction_is_parsed_and_new_fields_are_ignored() -> None:
    responses.get(URL, json={**FOUND, "a_field_midtrans_added_later": {"x": 1}})
    status = client().get_status("ORDER-1")
    assert (status.transaction_status, status.gross_amount_rupiah, status.payment_type) == (
        "settlement",
        150000,
        "gopay",
    )


@responses.activate
def test_uppercase_status_is_normalised() -> None:
    responses.get(URL, json={**FOUND, "status_code": "201", "transaction_status": "PENDING"})
    assert client().get_status("ORDER-1").transaction_status == "pending"


@responses.activate
def test_407_is_an_expired_transaction_not_an_error() -> None:
    responses.get(URL, json={**FOUND, "status_code": "407", "transaction_status": "expire"})
    assert client().get_status("ORDER-1").transaction_status == "expire"


@pytest.mark.parametrize(
    ("http_status", "body", "error"),
    [
        (200, {"status_code": "404", "status_message": "Transaction doesn't exist."}, TransactionNotFound),
        (404, {"status_code": "404", "status_message": "Transaction doesn't exist."}, TransactionNotFound),
        # Not Midtrans' JSON (the Spring-style body of an unroutable path, or a gateway's): no evidence of absence.
        (404, {"timestamp": "x", "status": 404, "error": "Not Found", "path": "/v2/a/b/status"}, MidtransApiError),
        (401, {"status_code": "401", "status_message": "Unknown Merchant server_key/id"}, MidtransAuthError),
        (200, {"status_code": "401", "status_message": "cannot be authorized"}, MidtransAuthError),
        (200, {"status_code": "429", "status_message": "rate limit"}, MidtransRateLimited),
        (429, {"message": "Too Many Requests"}, MidtransRateLimited),
        (200, {"status_code": "400", "status_message": "bad"}, MidtransInvalidRequest),
        (200, {"status_code": "500", "status_message": "Internal"}, MidtransApiError),
        (502, {"error": "bad gateway"}, MidtransApiError),
        (200, {"status_code": "200"}, MidtransApiError),  # no transaction fields
        (200, {"status_code": "412", "status_message": "cannot modify"}, MidtransApiError),
        (200, {"no": "status_code"}, MidtransApiError),
    ],
)
@responses.activate
def test_failures_are_classified_by_body_then_http(http_status: int, body: dict, error: type[MidtransError]) -> None:
    responses.get(URL, status=http_status, json=body)
    with pytest.raises(error):
        client().get_status("ORDER-1")


@pytest.mark.parametrize("body", ['{"status_code": "200", "order_id"', "<html><body>Bad Gateway</body></html>", "[]"])
@responses.activate
def test_a_body_that_is_not_a_json_object_is_an_api_error(body: str) -> None:
    responses.get(URL, status=200, body=body)
    with pytest.raises(MidtransApiError):
        client().get_status("ORDER-1")


@responses.activate
def test_html_404_is_an_api_error_not_not_found() -> None:
    """A proxy's or CDN's 404 page says nothing about the transaction (docs/midtrans-behaviour.md §4)."""
    responses.get(URL, status=404, body="<html>Not Found</html>")
    with pytest.raises(MidtransApiError) as raised:
        client().get_status("ORDER-1")
    assert not isinstance(raised.value, TransactionNotFound)


@pytest.mark.parametrize("bad", ["a/b", "..", ".", "a#b", "a b", "a?b=1", "%2e%2e", "x" * 51, "", "ü-order"])
def test_order_path_refuses_anything_that_could_leave_the_path(bad: str) -> None:
    with pytest.raises(ValueError):
        order_path(bad)


@given(st.from_regex(r"[A-Za-z0-9\-_~.]{1,50}", fullmatch=True).filter(lambda s: set(s) != {"."}))
def test_every_accepted_order_id_stays_one_path_segment(order_id: str) -> None:
    encoded = order_path(order_id)
    assert "/" not in encoded and "?" not in encoded and "#" not in encoded
    assert unquote(encoded) == order_id
