"""BI-SNAP signatures against the worked examples on docs.midtrans.com/reference/signature-generation.

The private key is the sample the page publishes (tests/fixtures/, not a secret of anyone's); both expected
values are copied from that page, so these tests fail if a single byte of either formula drifts.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from midtrans_native.midtrans.bisnap_signing import (
    access_token_string_to_sign,
    body_digest,
    sign_access_token_request,
    sign_request,
    sign_transaction,
    snap_timestamp,
    transaction_string_to_sign,
)
from midtrans_native.midtrans.transport import minify
from midtrans_native.models.keys import load_rsa_private_key

DOC_PRIVATE_KEY = (Path(__file__).parent.parent / "fixtures" / "midtrans_doc_sample_private_key.pem").read_text()

# Access token example (steps 2-4 of the page's B2B table).
DOC_CLIENT_ID = "G1234325-SNAP"
DOC_TOKEN_TIMESTAMP = "2023-07-31T07:10:00+07:00"
DOC_RSA_SIGNATURE = (
    "iv5YorKVVFOFS59l0HChDvPe+HeoE/jY5CfVgCg5i16nj5/DVnKg49ilkv8PyeU7y38apHhgO+cUrvkfUs5BhDD69yLn7xp8hzN9RcR0UDy5+nC"
    "rQ3GGCVSzZJvlEXN+TB0j4Q6pMsjrq4+YRoyDa4mTlsjJTU9aGjLRFBYgY4MyMQ5x11JyLnoFwbS8TJ5e/q4mUozrp49VyHe7OQSFnJNwvMSFrDy"
    "AIxoOK0IZQIlY29PaDIFcWoR+RJAY42H2FryjJcPpNfeercbkj9jsBLV3wmEKiNoN6lgFFLk5QicDnAAQzL45s92EYeCqDNuTTJOydaJbUqEo1d/"
    "ZPVNBtQ=="
)
# The page's "SHA256withRSA algorithm reference": the same signature in hex.
DOC_RSA_SIGNATURE_HEX_PREFIX = "8afe58a2b2955453854b9f65d070a10ef3def877a813f8d8e427d58028398b5e"

# Transactional example (steps 1-4 of the page's transactional table).
DOC_CLIENT_SECRET = "fdppqbF5wq7vVegyvsV1CROMv646nJ7A"
DOC_TOKEN = "gp9HjjEj813Y9JGoqwOeOPWbnt4CupvIJbU1Mmu4a11MNDZ7Sg5u9a"
DOC_BODY_DIGEST = "56fa5f4999ad8014de49d7898c1d1d53472569db8999de3c1b752a0dd181e98c"
DOC_STRING_TO_SIGN = f"POST:/v1.0/debit/payment-host-to-host:{DOC_TOKEN}:{DOC_BODY_DIGEST}:2020-01-01T00:00:00+07:00"
DOC_HMAC_SIGNATURE = "FSlidRHe4ow9qppNifGVQNcdv67lBjgCiP0BHylh+IKXo4fs2rHaGsFNUY0N8t0rPlZs4iAHAOCDklnCccwuJw=="
DOC_HMAC_HEX = (
    "1529627511dee28c3daa9a4d89f19540d71dbfaee506380288fd011f2961f88297a387ecdab1da1ac14d518d0df2dd2b3e566ce2200700e0"
    "839259c271cc2e27"
)


def test_access_token_signature_reproduces_the_published_example() -> None:
    assert access_token_string_to_sign(DOC_CLIENT_ID, DOC_TOKEN_TIMESTAMP) == "G1234325-SNAP|2023-07-31T07:10:00+07:00"
    signature = sign_access_token_request(DOC_PRIVATE_KEY, DOC_CLIENT_ID, DOC_TOKEN_TIMESTAMP)
    assert signature == DOC_RSA_SIGNATURE
    assert base64.b64decode(signature).hex().startswith(DOC_RSA_SIGNATURE_HEX_PREFIX)


def test_transaction_signature_reproduces_the_published_example() -> None:
    string_to_sign = transaction_string_to_sign(
        "post", "/v1.0/debit/payment-host-to-host", DOC_TOKEN, DOC_BODY_DIGEST, "2020-01-01T00:00:00+07:00"
    )
    assert string_to_sign == DOC_STRING_TO_SIGN  # the method is upper-cased
    signature = sign_transaction(DOC_CLIENT_SECRET, string_to_sign)
    assert signature == DOC_HMAC_SIGNATURE
    assert base64.b64decode(signature).hex() == DOC_HMAC_HEX


def test_sign_request_hashes_exactly_the_bytes_given() -> None:
    body = minify({"originalExternalId": "order-1", "serviceCode": "54"})
    assert body == b'{"originalExternalId":"order-1","serviceCode":"54"}'
    ts = "2024-03-19T14:30:00+07:00"
    expected = sign_transaction(DOC_CLIENT_SECRET, f"POST:/v1.0/debit/status:{DOC_TOKEN}:{body_digest(body)}:{ts}")
    assert sign_request(DOC_CLIENT_SECRET, "POST", "/v1.0/debit/status", DOC_TOKEN, body, ts) == expected
    # One more space is another body: another signature (the server hashes what it receives).
    spaced = b'{"originalExternalId": "order-1","serviceCode":"54"}'
    assert sign_request(DOC_CLIENT_SECRET, "POST", "/v1.0/debit/status", DOC_TOKEN, spaced, ts) != expected


def test_minify_keeps_key_order_and_non_ascii_text() -> None:
    body = minify({"z": 1, "a": {"reason": "Pelanggan minta batal — maaf"}})
    assert body.decode() == '{"z":1,"a":{"reason":"Pelanggan minta batal — maaf"}}'
    assert json.loads(body) == {"z": 1, "a": {"reason": "Pelanggan minta batal — maaf"}}


def test_body_digest_is_lowercase_hex_sha256() -> None:
    # sha256 of the empty string, a well-known constant.
    assert body_digest(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_timestamp_is_iso8601_in_jakarta_time_with_whole_seconds() -> None:
    assert snap_timestamp(datetime(2023, 7, 31, 0, 10, 0, 987654, tzinfo=UTC)) == "2023-07-31T07:10:00+07:00"


@pytest.mark.parametrize(
    "pem",
    [
        "not a key",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    ],
)
def test_private_key_that_is_not_an_rsa_pem_is_refused(pem: str) -> None:
    with pytest.raises(ValueError, match="PEM"):
        load_rsa_private_key(pem)


def test_short_rsa_and_non_rsa_keys_are_refused() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    def pem(key: object) -> str:
        return key.private_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    with pytest.raises(ValueError, match="2048"):
        load_rsa_private_key(pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)))  # noqa: S505 (on purpose)
    with pytest.raises(ValueError, match="not an RSA"):
        load_rsa_private_key(pem(ec.generate_private_key(ec.SECP256R1())))
    assert load_rsa_private_key(DOC_PRIVATE_KEY).key_size == 2048
