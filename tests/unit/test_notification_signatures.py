"""Midtrans' notification signatures (docs/midtrans-behaviour.md §12): the documented rules, and that nothing
hostile raises or passes."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import example, given
from hypothesis import strategies as st

from midtrans_native.midtrans.notification_signatures import (
    bisnap_signature_matches,
    bisnap_string_to_sign,
    expected_signature_key,
    signature_key_matches,
)

KEY = "SB-Mid-server-test"  # the dummy key of Midtrans' documented examples
# The shape of the docs' GoPay settlement notification.
DOCUMENTED = {
    "transaction_time": "2021-06-15 18:45:13",
    "transaction_status": "settlement",
    "transaction_id": "513f1f01-c9da-474c-9fc9-d5c64364b709",
    "status_message": "midtrans payment notification",
    "status_code": "200",
    "settlement_time": "2021-06-15 18:45:28",
    "payment_type": "gopay",
    "order_id": "order-102",
    "merchant_id": "G141532850",
    "gross_amount": "105000.00",
    "fraud_status": "accept",
    "currency": "IDR",
}


def documented_rule(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """The rule as the docs state it, written out independently of the code under test."""
    return hashlib.sha512((order_id + status_code + gross_amount + server_key).encode("utf-8")).hexdigest()


def test_the_documented_rule_over_the_exact_strings() -> None:
    signed = {**DOCUMENTED, "signature_key": documented_rule("order-102", "200", "105000.00", KEY)}
    assert signed["signature_key"] == expected_signature_key("order-102", "200", "105000.00", KEY)
    assert signature_key_matches(signed, KEY)
    assert signature_key_matches({**signed, "signature_key": signed["signature_key"].upper()}, KEY)  # hex is hex
    assert not signature_key_matches(signed, "SB-Mid-server-other")
    # gross_amount keeps its ".00": the same amount written another way is another signature
    assert not signature_key_matches({**signed, "gross_amount": "105000"}, KEY)
    assert not signature_key_matches({**signed, "status_code": "201"}, KEY)


@given(
    st.dictionaries(
        st.sampled_from(["order_id", "status_code", "gross_amount", "signature_key"]),
        # Surrogates included: a JSON body may carry "\ud800", which no UTF-8 encoder accepts.
        st.none() | st.integers() | st.text(st.characters(exclude_categories=())),
    )
)
@example({"order_id": "\ud800", "status_code": "200", "gross_amount": "1.00", "signature_key": "ab"})
def test_anything_else_is_false_never_an_error(body: dict[str, object]) -> None:
    assert (
        signature_key_matches(body, KEY) is False
        or documented_rule(str(body["order_id"]), str(body["status_code"]), str(body["gross_amount"]), KEY)
        == str(body["signature_key"]).lower()
    )


@pytest.fixture(scope="module")
def midtrans_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_bisnap_signature_over_path_body_and_timestamp(midtrans_key: rsa.RSAPrivateKey) -> None:
    path = "/v1/notifications/midtrans/tok/v1.0/debit/notify"
    body = json.dumps(
        {"originalPartnerReferenceNo": "ORDER-1", "latestTransactionStatus": "00"}, separators=(",", ":")
    ).encode()
    timestamp = datetime(2026, 11, 27, 10, 0, tzinfo=UTC).isoformat()
    expected_string = f"POST:{path}:{hashlib.sha256(body).hexdigest()}:{timestamp}"
    assert bisnap_string_to_sign(path, body, timestamp) == expected_string
    signature = base64.b64encode(
        midtrans_key.sign(expected_string.encode(), padding.PKCS1v15(), hashes.SHA256())
    ).decode()
    pem = public_pem(midtrans_key)
    assert bisnap_signature_matches(pem, path, body, timestamp, signature)
    assert not bisnap_signature_matches(pem, path, body + b" ", timestamp, signature)  # the exact bytes
    assert not bisnap_signature_matches(pem, path.replace("tok", "other"), body, timestamp, signature)
    assert not bisnap_signature_matches(pem, path, body, "2026-11-27T10:00:01+00:00", signature)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert not bisnap_signature_matches(public_pem(other), path, body, timestamp, signature)
    for broken in ("", "not base64!", base64.b64encode(b"short").decode()):
        assert not bisnap_signature_matches(pem, path, body, timestamp, broken)
    assert not bisnap_signature_matches("not a key", path, body, timestamp, signature)
