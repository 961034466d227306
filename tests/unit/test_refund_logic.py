"""Refund building blocks without AWS: the refund_key, eligibility arithmetic, and Core API refund replies."""

from __future__ import annotations

import re

import pytest
import requests
import responses
from hypothesis import given
from hypothesis import strategies as st

from midtrans_native.actions.request_refund import ineligibility, refund_key_for, remainder
from midtrans_native.deadline import Deadline
from midtrans_native.errors import (
    DuplicateRefund,
    MidtransApiError,
    RefundAmountRejected,
    RefundRejectedByBank,
    TransactionNotModifiable,
)
from midtrans_native.midtrans.core_api import CoreApiClient
from midtrans_native.midtrans.transport import MidtransTransport
from midtrans_native.models.midtrans import TransactionStatus

from .fakes import BASE, CREDENTIALS, FakeClock

MIDTRANS_REFUND_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
ids = st.uuids().map(str)
tenants = st.from_regex(r"[A-Za-z0-9._:-]{1,64}", fullmatch=True)


@given(tenants, ids)
def test_refund_key_is_stable_and_in_midtrans_alphabet(cid: str, confirmation_id: str) -> None:
    key = refund_key_for(cid, confirmation_id)
    assert key == refund_key_for(cid, confirmation_id)
    assert MIDTRANS_REFUND_KEY.fullmatch(key) and len(key) <= 50


@given(tenants, ids, tenants, ids)
def test_refund_keys_differ_across_confirmations_and_tenants(cid_a: str, id_a: str, cid_b: str, id_b: str) -> None:
    if (cid_a, id_a) != (cid_b, id_b):
        assert refund_key_for(cid_a, id_a) != refund_key_for(cid_b, id_b)


def transaction(**fields: object) -> TransactionStatus:
    base = {
        "status_code": "200",
        "order_id": "O-1",
        "transaction_status": "settlement",
        "payment_type": "gopay",
        "gross_amount": "150000.00",
    }
    return TransactionStatus.model_validate({**base, **fields})


def test_remainder_uses_refund_amount_or_the_refunds_list() -> None:
    assert remainder(transaction()) == 150000
    assert remainder(transaction(transaction_status="partial_refund", refund_amount="50000.00")) == 100000
    listed = transaction(transaction_status="partial_refund", refunds=[{"refund_amount": "20000.00"}] * 2)
    assert remainder(listed) == 110000


@pytest.mark.parametrize(
    ("fields", "amount", "reason"),
    [
        ({}, 150000, None),
        ({}, 1, None),
        ({"transaction_status": "partial_refund", "refund_amount": "50000.00"}, 100000, None),
        ({"transaction_status": "refund", "refund_amount": "150000.00"}, 1, "status"),
        ({"transaction_status": "capture", "payment_type": "credit_card"}, 150000, "status"),
        ({"transaction_status": "pending"}, 150000, "status"),
        ({"payment_type": "bank_transfer"}, 150000, "payment_method"),
        ({"payment_type": "cstore"}, 150000, "payment_method"),
        ({"payment_type": "echannel"}, 150000, "payment_method"),
        ({"payment_type": "shopeepay"}, 50000, "full_refund_only"),
        ({"payment_type": "shopeepay"}, 150000, None),
        ({"payment_type": "ovo"}, 10, "full_refund_only"),
    ],
)
def test_eligibility(fields: dict, amount: int, reason: str | None) -> None:
    assert ineligibility(transaction(**fields), amount) == reason


def client() -> CoreApiClient:
    clock = FakeClock()
    return CoreApiClient(
        MidtransTransport(requests.Session(), BASE, CREDENTIALS, Deadline(25, clock=clock), sleep=clock.sleep)
    )


REFUND_URL = f"{BASE}/v2/tx-1/refund"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"status_code": "406", "status_message": "Duplicate refund ID"}, DuplicateRefund),
        ({"status_code": "412", "status_message": "Merchant cannot modify"}, TransactionNotModifiable),
        (
            {"status_code": "414", "status_message": "Refund request is rejected due to invalid amount"},
            RefundAmountRejected,
        ),
        (
            {
                "status_code": "202",
                "status_message": "Refund denied by the bank",
                "transaction_status": "settlement",
                "refund_amount": "0.00",
            },
            RefundRejectedByBank,
        ),
        ({"status_code": "500", "status_message": "Internal"}, MidtransApiError),
    ],
)
@responses.activate
def test_refund_replies_are_classified(body: dict, error: type[Exception]) -> None:
    responses.post(REFUND_URL, json=body)
    with pytest.raises(error):
        client().refund("tx-1", refund_key="mna-1", amount=1000, reason=None)
    assert len(responses.calls) == 1  # a refund POST is never retried by the transport


@responses.activate
def test_refund_sends_our_key_amount_and_reason() -> None:
    responses.post(
        REFUND_URL,
        json={
            "status_code": "200",
            "order_id": "O-1",
            "transaction_status": "partial_refund",
            "gross_amount": "150000.00",
            "refund_amount": "1000.00",
            "refund_key": "mna-1",
        },
    )
    status = client().refund("tx-1", refund_key="mna-1", amount=1000, reason="late delivery")
    assert status.transaction_status == "partial_refund"
    import json

    assert json.loads(responses.calls[0].request.body) == {
        "refund_key": "mna-1",
        "amount": 1000,
        "reason": "late delivery",
    }
