"""BI-SNAP signatures (docs/midtrans-behaviour.md §3), as pure functions so published examples pin them byte for byte.

- Access token (`POST /v1.0/access-token/b2b`): base64(RSASSA-PKCS1-v1_5-SHA256(private key, `client_id|timestamp`)).
- Every transactional call: base64(HMAC-SHA512(client secret,
  `METHOD:path:access_token:lowercase(hex(sha256(minified body))):timestamp`)).

The body is signed over the exact bytes sent: `transport.minify` is the only serializer the BI-SNAP client uses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta, timezone

# Midtrans' examples and servers use Jakarta time (WIB); any ISO-8601 offset is valid, this one reads best in logs.
WIB = timezone(timedelta(hours=7))


def snap_timestamp(now: datetime) -> str:
    """`X-TIMESTAMP`: ISO-8601 with a numeric offset and whole seconds, e.g. 2023-07-31T07:10:00+07:00."""
    return now.astimezone(WIB).replace(microsecond=0).isoformat()


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()  # hexdigest is lower-case, as the formula requires


def access_token_string_to_sign(client_id: str, timestamp: str) -> str:
    return f"{client_id}|{timestamp}"


def sign_access_token_request(private_key_pem: str, client_id: str, timestamp: str) -> str:
    # cryptography is imported here, not at module import: only BI-SNAP tenants pay its ~40 ms import,
    # and only on a token refresh.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    # The key was fully validated when the tenant connected (`models.keys.load_rsa_private_key`); that check
    # costs ~55 ms, so signing skips it, as cryptography documents for keys already known to be good.
    key = load_pem_private_key(private_key_pem.encode(), password=None, unsafe_skip_rsa_key_validation=True)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    message = access_token_string_to_sign(client_id, timestamp).encode()
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def transaction_string_to_sign(method: str, path: str, access_token: str, digest: str, timestamp: str) -> str:
    return f"{method.upper()}:{path}:{access_token}:{digest}:{timestamp}"


def sign_transaction(client_secret: str, string_to_sign: str) -> str:
    mac = hmac.new(client_secret.encode(), string_to_sign.encode(), hashlib.sha512).digest()
    return base64.b64encode(mac).decode()


def sign_request(client_secret: str, method: str, path: str, access_token: str, body: bytes, timestamp: str) -> str:
    """`X-SIGNATURE` for one transactional request whose body is exactly `body`."""
    return sign_transaction(
        client_secret, transaction_string_to_sign(method, path, access_token, body_digest(body), timestamp)
    )
