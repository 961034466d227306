"""The BI-SNAP client on the wire (responses): headers, signatures over the exact bytes sent, the lookup order,
the mapping onto Core API outcomes, and the bounded 401 recovery."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import responses

from midtrans_native.deadline import Deadline
from midtrans_native.errors import (
    DuplicateRefund,
    MidtransApiError,
    MidtransAuthError,
    RefundAmountRejected,
    TransactionNotFound,
    TransactionNotModifiable,
)
from midtrans_native.midtrans.bisnap import BiSnapClient
from midtrans_native.midtrans.bisnap_tokens import AccessToken
from midtrans_native.midtrans.transport import MidtransTransport
from tests.integration.bisnap.conftest import credentials_for

HOST = "https://merchants.sbx.midtrans.com"
CREDENTIALS = credentials_for("tenant-a")
SECRET = "unit-client-secret-0001"
NOW = datetime(2026, 11, 21, 3, 0, 0, tzinfo=UTC)


class FakeTokens:
    """Hands out tokens in order; records rejections."""

    def __init__(self, *tokens: AccessToken) -> None:
        self.queue = list(tokens)
        self.rejected: list[str] = []

    def token(self, credentials: Any, deadline: Deadline) -> AccessToken:
        return self.queue.pop(0)

    def reject(self, credentials: Any, token: AccessToken) -> None:
        self.rejected.append(token.value)


def client(tokens: FakeTokens | None = None) -> BiSnapClient:
    transport = MidtransTransport(requests.Session(), HOST, None, Deadline(25), sleep=lambda _: None)
    ids = iter(f"ext-{n}" for n in range(100))
    return BiSnapClient(
        transport,
        CREDENTIALS,
        tokens or FakeTokens(AccessToken("tok-1", cached=True)),  # type: ignore[arg-type]
        Deadline(25),
        now=lambda: NOW,
        new_external_id=lambda: next(ids),
    )


def status_body(latest: str = "00", **extra: Any) -> dict[str, Any]:
    return {
        "responseCode": "2005500",
        "responseMessage": "Request has been processed successfully",
        "originalPartnerReferenceNo": "ORDER-1",
        "originalReferenceNo": "REF-1",
        "originalExternalId": "ORDER-1",
        "serviceCode": "54",
        "latestTransactionStatus": latest,
        "transAmount": {"value": "150000.00", "currency": "IDR"},
        "additionalInfo": {"fraudStatus": "accept", "userPaymentDetails": [{"payMethod": "gopay"}]},
        **extra,
    }


NOT_FOUND = {"responseCode": "2005500", "responseMessage": "ok", "latestTransactionStatus": "07"}


def sent(call: Any) -> tuple[dict[str, str], dict[str, Any]]:
    return dict(call.request.headers), json.loads(call.request.body)


@responses.activate
def test_every_call_is_signed_over_the_exact_bytes_sent() -> None:
    responses.post(f"{HOST}/v1.0/debit/status", json=status_body())
    client().get_status("ORDER-1")
    [call] = responses.calls
    headers = dict(call.request.headers)
    body: bytes = call.request.body
    assert body == b'{"originalExternalId":"ORDER-1","serviceCode":"54"}'  # minified, in this order
    assert headers["Authorization"] == "Bearer tok-1"
    assert headers["X-TIMESTAMP"] == "2026-11-21T10:00:00+07:00"
    assert headers["X-PARTNER-ID"] == "partner-tenant-a"
    assert headers["CHANNEL-ID"] == "95221"
    assert headers["X-EXTERNAL-ID"] == "ext-0"
    assert headers["Content-Type"] == "application/json"
    string_to_sign = f"POST:/v1.0/debit/status:tok-1:{hashlib.sha256(body).hexdigest()}:2026-11-21T10:00:00+07:00"
    expected = base64.b64encode(hmac.new(SECRET.encode(), string_to_sign.encode(), hashlib.sha512).digest()).decode()
    assert headers["X-SIGNATURE"] == expected
    assert "Basic" not in headers["Authorization"]  # the server key never travels on BI-SNAP


@responses.activate
def test_status_maps_onto_core_api_terms() -> None:
    history = [
        {
            "refundNo": "R1",
            "partnerReferenceNo": "mna-key-1",
            "refundStatus": "00",
            "refundAmount": {"value": "50000.00"},
        },
        {"refundNo": "R2", "partnerReferenceNo": "mna-key-2", "refundStatus": "06", "refundAmount": {"value": "9.00"}},
    ]
    responses.post(
        f"{HOST}/v1.0/debit/status", json=status_body("04", refundHistory=history, paidTime="2026-11-20T10:00:00+07:00")
    )
    status = client().get_status("ORDER-1")
    assert (status.order_id, status.transaction_id, status.payment_type) == ("ORDER-1", "REF-1", "gopay")
    assert status.transaction_status == "partial_refund"  # 04 with less than the gross refunded
    assert status.gross_amount_rupiah == 150000
    assert int(status.refund_amount or 0) == 50000  # the failed refund (06) does not count
    assert [r.refund_key for r in status.refunds] == ["mna-key-1"]
    assert status.settlement_time == "2026-11-20T10:00:00+07:00"
    assert status.fraud_status == "accept"


@pytest.mark.parametrize(
    ("latest", "expected"),
    [
        ("00", "settlement"),
        ("01", "authorize"),
        ("03", "pending"),
        ("05", "cancel"),
        ("06", "failure"),
        ("08", "expire"),
        ("09", "deny"),
    ],
)
@responses.activate
def test_latest_transaction_status_codes(latest: str, expected: str) -> None:
    responses.post(f"{HOST}/v1.0/debit/status", json=status_body(latest))
    assert client().get_status("ORDER-1").transaction_status == expected


@responses.activate
def test_not_found_tries_debit_then_qris_by_each_identifier_then_says_not_found() -> None:
    responses.post(f"{HOST}/v1.0/debit/status", json=NOT_FOUND)
    responses.post(f"{HOST}/v1.0/qr/qr-mpm-query", json={**NOT_FOUND, "responseCode": "2005100"})
    with pytest.raises(TransactionNotFound):
        client().get_status("ORDER-404")
    bodies = [json.loads(c.request.body) for c in responses.calls]
    assert bodies == [
        {"originalExternalId": "ORDER-404", "serviceCode": "54"},
        {"originalReferenceNo": "ORDER-404", "serviceCode": "54"},
        {"originalPartnerReferenceNo": "ORDER-404", "merchantId": "M-tenant-a", "serviceCode": "47"},
        {"originalReferenceNo": "ORDER-404", "merchantId": "M-tenant-a", "serviceCode": "47"},
    ]


@responses.activate
def test_a_qris_order_is_found_by_its_order_id_and_cancelled_on_the_qris_path() -> None:
    responses.post(f"{HOST}/v1.0/debit/status", json=NOT_FOUND)
    qris = {
        **status_body("03"),
        "responseCode": "2005100",
        "serviceCode": "47",
        "amount": {"value": "20000.00", "currency": "IDR"},
    }
    del qris["transAmount"]
    responses.post(f"{HOST}/v1.0/qr/qr-mpm-query", json=qris)
    responses.post(f"{HOST}/v1.0/qr/qr-mpm-cancel", json={"responseCode": "2007700", "responseMessage": "ok"})
    api = client()
    status = api.get_status("ORDER-1")
    assert (status.payment_type, status.gross_amount_rupiah, status.transaction_status) == ("qris", 20000, "pending")
    assert api.cancel("REF-1").transaction_status == "cancel"  # named by the reference the read found
    _, body = sent(responses.calls[-1])
    assert responses.calls[-1].request.url == f"{HOST}/v1.0/qr/qr-mpm-cancel"
    assert body["merchantId"] == "M-tenant-a" and body["reason"]
    assert (body["originalPartnerReferenceNo"], body["originalReferenceNo"]) == ("ORDER-1", "REF-1")


@responses.activate
def test_refund_names_our_refund_key_as_partner_refund_no_and_external_id() -> None:
    responses.post(f"{HOST}/v1.0/debit/status", json=status_body("00"))
    responses.post(
        f"{HOST}/v1.0/debit/refund", json={"responseCode": "2005800", "responseMessage": "ok", "refundNo": "R9"}
    )
    api = client()
    api.get_status("REF-1")
    after = api.refund("REF-1", refund_key="mna-abc", amount=40000, reason="Customer asked")
    headers, body = sent(responses.calls[-1])
    assert body == {
        "originalPartnerReferenceNo": "ORDER-1",
        "originalReferenceNo": "REF-1",
        "partnerRefundNo": "mna-abc",
        "refundAmount": {"value": "40000.00", "currency": "IDR"},
        "reason": "Customer asked",
    }
    assert headers["X-EXTERNAL-ID"] == "mna-abc"
    assert (after.transaction_status, int(after.refund_amount or 0)) == ("partial_refund", 40000)


@pytest.mark.parametrize(
    ("code", "http", "error"),
    [
        ("4035815", 403, TransactionNotModifiable),
        ("4035802", 403, RefundAmountRejected),
        ("4045801", 404, TransactionNotFound),
        ("4047800", 404, TransactionNotModifiable),
        ("4097801", 409, DuplicateRefund),
        ("5005801", 500, MidtransApiError),
        ("5045800", 504, MidtransApiError),
    ],
)
@responses.activate
def test_refund_failures_map_onto_the_core_api_exceptions(code: str, http: int, error: type[Exception]) -> None:
    responses.post(f"{HOST}/v1.0/debit/status", json=status_body("00"))
    responses.post(f"{HOST}/v1.0/debit/refund", status=http, json={"responseCode": code, "responseMessage": "x"})
    api = client()
    api.get_status("ORDER-1")
    with pytest.raises(error):
        api.refund("ORDER-1", refund_key="mna-abc", amount=1000, reason=None)
    assert sum(1 for c in responses.calls if c.request.url.endswith("/refund")) == 1  # a refund is never resent


@responses.activate
def test_a_401_on_a_cached_token_rejects_it_and_retries_once_with_a_fresh_one() -> None:
    responses.post(
        f"{HOST}/v1.0/debit/status",
        status=401,
        json={"responseCode": "4015501", "responseMessage": "Invalid Token (B2B)"},
    )
    responses.post(f"{HOST}/v1.0/debit/status", json=status_body())
    tokens = FakeTokens(AccessToken("old", cached=True), AccessToken("new", cached=False))
    assert client(tokens).get_status("ORDER-1").transaction_id == "REF-1"
    assert tokens.rejected == ["old"]
    assert [c.request.headers["Authorization"] for c in responses.calls] == ["Bearer old", "Bearer new"]


@responses.activate
def test_a_second_401_is_an_auth_error_not_a_loop() -> None:
    responses.post(
        f"{HOST}/v1.0/debit/status",
        status=401,
        json={"responseCode": "4015501", "responseMessage": "Invalid Token (B2B)"},
    )
    tokens = FakeTokens(
        AccessToken("old", cached=True), AccessToken("new", cached=True), AccessToken("never", cached=False)
    )
    with pytest.raises(MidtransAuthError):
        client(tokens).get_status("ORDER-1")
    assert len(responses.calls) == 2
    assert tokens.rejected == ["old"]


@responses.activate
def test_a_401_on_a_token_fresh_from_midtrans_is_not_retried() -> None:
    responses.post(
        f"{HOST}/v1.0/debit/status", status=401, json={"responseCode": "4015500", "responseMessage": "Unauthorized."}
    )
    tokens = FakeTokens(AccessToken("fresh", cached=False))
    with pytest.raises(MidtransAuthError):
        client(tokens).get_status("ORDER-1")
    assert len(responses.calls) == 1 and tokens.rejected == []


@responses.activate
def test_one_token_serves_every_call_of_an_invocation() -> None:
    responses.post(f"{HOST}/v1.0/debit/status", json=status_body("03"))
    responses.post(f"{HOST}/v1.0/debit/cancel", json={"responseCode": "2005700", "responseMessage": "ok"})
    tokens = FakeTokens(AccessToken("only", cached=True))
    api = client(tokens)
    api.get_status("ORDER-1")
    api.cancel("ORDER-1")
    assert {c.request.headers["Authorization"] for c in responses.calls} == {"Bearer only"}
    assert len({c.request.headers["X-EXTERNAL-ID"] for c in responses.calls}) == 2  # unique per request


@responses.activate
def test_an_eight_digit_success_code_from_the_docs_samples_is_still_a_success() -> None:
    responses.post(f"{HOST}/v1.0/debit/status", json=status_body("03"))
    responses.post(f"{HOST}/v1.0/debit/cancel", json={"responseCode": "20057000", "responseMessage": "ok"})
    api = client()
    api.get_status("ORDER-1")
    assert api.cancel("ORDER-1").transaction_status == "cancel"


@responses.activate
def test_a_hostile_reference_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(ValueError):
        client().get_status("../v1.0/debit/refund")
    assert len(responses.calls) == 0
