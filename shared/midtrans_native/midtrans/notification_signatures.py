"""How Midtrans signs the notifications it sends (docs/midtrans-behaviour.md §12), checked before anything in a
notification is believed. Both checks compare in constant time and never raise on hostile input: a missing,
malformed or wrong signature is simply `False`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from midtrans_native.midtrans.bisnap_signing import body_digest

SIGNED_FIELDS = ("order_id", "status_code", "gross_amount")


def expected_signature_key(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """hex(SHA-512(order_id + status_code + gross_amount + server_key)), over the strings exactly as sent
    (gross_amount keeps its ".00")."""
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{server_key}".encode()).hexdigest()


def signature_key_matches(notification: Mapping[str, Any], server_key: str) -> bool:
    """The HTTP notification's `signature_key` against the tenant's server key."""
    fields = [notification.get(name) for name in (*SIGNED_FIELDS, "signature_key")]
    if not all(isinstance(value, str) and value for value in fields):
        return False
    order_id, status_code, gross_amount, given = (str(value) for value in fields)
    try:
        expected = expected_signature_key(order_id, status_code, gross_amount, server_key)
    except UnicodeEncodeError:  # a lone surrogate (JSON allows "\ud800"): no UTF-8 text Midtrans could have signed
        return False
    return hmac.compare_digest(expected.encode(), given.lower().encode("utf-8", "replace"))


def bisnap_string_to_sign(path: str, body: bytes, timestamp: str) -> str:
    """The string Midtrans signs: "POST:" + the notification's request path + ":" + the lowercase hex SHA-256 of
    the body bytes + ":" + X-TIMESTAMP."""
    return f"POST:{path}:{body_digest(body)}:{timestamp}"


def bisnap_signature_matches(public_key_pem: str, path: str, body: bytes, timestamp: str, signature: str) -> bool:
    """X-SIGNATURE (base64 SHA256withRSA by Midtrans' private key) over the exact bytes received."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from midtrans_native.models.keys import load_rsa_public_key

    try:
        raw_signature = base64.b64decode(signature, validate=True)
        key = load_rsa_public_key(public_key_pem)
        key.verify(
            raw_signature, bisnap_string_to_sign(path, body, timestamp).encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError, binascii.Error, UnicodeEncodeError):
        return False
    return True
