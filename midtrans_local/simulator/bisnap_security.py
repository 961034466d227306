"""BI-SNAP signature checks, written from the wire contract (docs/simulator.md), not shared with any client.

- Access token: X-SIGNATURE = base64(RSASSA-PKCS1-v1_5-SHA256(private key, client_id + "|" + X-TIMESTAMP)),
  checked with the merchant's registered public key.
- Transactional calls: X-SIGNATURE = base64(HMAC-SHA512(client secret,
  "POST:" + path + ":" + token + ":" + hex(sha256(raw body)) + ":" + X-TIMESTAMP)).

The simulator keeps its own implementation on purpose: a bug shared by client and simulator would
make both agree and the tests pass against a real Midtrans that disagrees.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from datetime import datetime
from typing import Any


def now() -> float:
    """The BI-SNAP clock, in epoch seconds: token expiry and X-TIMESTAMP freshness read it.

    Everything BI-SNAP asks the time goes through this one function, so a test moves time with
    `monkeypatch.setattr(bisnap_security, "now", ...)` instead of sleeping through a token's lifetime.
    """
    return time.time()


def load_public_key(public_key_pem: str) -> Any:
    """The RSA public key in a PEM (SubjectPublicKeyInfo or PKCS#1). ValueError for anything else."""
    # cryptography is imported here: the Core API part of the simulator runs without it.
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(public_key_pem.encode())
    except (ValueError, TypeError) as exc:
        raise ValueError("public_key_pem is not a PEM public key") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("public_key_pem is not an RSA public key")
    return key


def token_signature_valid(public_key_pem: str, client_id: str, timestamp: str, signature: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    raw = _b64(signature)
    if raw is None:
        return False
    key = load_public_key(public_key_pem)
    try:
        key.verify(raw, f"{client_id}|{timestamp}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def transaction_signature(client_secret: str, path: str, token: str, body: bytes, timestamp: str) -> str:
    """The X-SIGNATURE a POST to `path` with exactly these body bytes must carry."""
    digest = hashlib.sha256(body).hexdigest()  # hexdigest is lower case, as the formula requires
    message = f"POST:{path}:{token}:{digest}:{timestamp}".encode()
    return base64.b64encode(hmac.new(client_secret.encode(), message, hashlib.sha512).digest()).decode()


def transaction_signature_valid(
    client_secret: str, path: str, token: str, body: bytes, timestamp: str, signature: str
) -> bool:
    expected = transaction_signature(client_secret, path, token, body, timestamp)
    # Constant-time compare: the check should not leak how much of a signature matched.
    return hmac.compare_digest(expected.encode(), signature.strip().encode())


def timestamp_seconds(value: str) -> float | None:
    """Epoch seconds of an ISO-8601 X-TIMESTAMP that carries an offset; None when it does not parse."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    # Without an offset the instant is ambiguous by up to 14 hours; BI-SNAP requires one.
    if parsed.tzinfo is None:
        return None
    return parsed.timestamp()


def _b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
