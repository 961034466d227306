"""HTTP notifications (webhooks) as Midtrans puts them on the wire: the Core API form and the BI-SNAP form.

Core API form. Midtrans POSTs JSON to the merchant's "Payment Notification URL" (one per merchant account, set
in its dashboard) with `Content-Type: application/json`, `Accept: application/json` and `User-Agent: Veritrans`,
and no auth header: the merchant trusts a notification by its `signature_key`,
hex(sha512(order_id + status_code + gross_amount + server key)) over the exact strings in the body, and by
re-reading the status. The body is close to the status body: `status_message` is "midtrans payment
notification", `gross_amount` keeps its ".00", refunds carry `refund_amount` and `refunds[]`, and a purchase made
through a payment link carries the link's `custom_field1..3`.

The notification `status_code` differs from the status API's for two states: an expired transaction is "202" here
but "407" in `GET /v2/{id}/status`, a cancelled one "202" here but "200" there (NOTIFY_STATUS_CODES; the status API
keeps model.STATUS_CODES).

BI-SNAP form, for BI-SNAP merchants: a POST to `<notification URL>/v1.0/debit/notify` (or
`/v1.0/qr/qr-mpm-notify`) signed with Midtrans' own RSA private key:
X-SIGNATURE = base64(RSASSA-PKCS1-v1_5-SHA256("POST:" + <request path> + ":" + lowercase hex(sha256(minified
body)) + ":" + X-TIMESTAMP)). The merchant verifies it with the Midtrans public key it was given, which the
simulator exposes (`midtrans_public_key_pem`). The body is minified once and exactly those bytes are sent, so the
digest the merchant computes over what it received is the one that was signed.

A retry repeats the same bytes and headers: it is the same notification, delivered again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from midtrans_local.simulator.bisnap_views import latest_status
from midtrans_local.simulator.model import (
    CURRENCY,
    STATUS_CODES,
    Transaction,
    format_iso,
    format_time,
    money,
    signature_key,
    wib_now,
)

STATUS_MESSAGE = "midtrans payment notification"
# status_code of a notification per transaction_status (lower case): the status API's, except that payments that
# did not go through (deny, cancel, expire, failure) are all "202" in notifications.
NOTIFY_STATUS_CODES: dict[str, str] = {**STATUS_CODES, "cancel": "202", "expire": "202"}
_SETTLED = frozenset({"settlement", "refund", "partial_refund", "chargeback", "partial_chargeback"})
_REFUNDED = frozenset({"refund", "partial_refund"})
# A pending transaction without its own expiry_time (none in the seeds today) shows the Snap default of a day.
_DEFAULT_EXPIRY = timedelta(days=1)
# Charge-response fields that the status body copies from `extra` but a notification does not carry.
_NOT_NOTIFIED = frozenset({"actions"})
CORE_HEADERS = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "Veritrans"}

BISNAP_PATHS = frozenset({"/v1.0/debit/notify", "/v1.0/qr/qr-mpm-notify"})
BISNAP_CHANNEL_ID = "95221"
# latestTransactionStatus of a BI-SNAP notification: 00 success, 03 pending, 05 cancelled, 06 failed. Midtrans
# documents no code for an expired payment there; the simulator calls it cancelled (it ended unpaid, nobody
# refused it). States outside these take the status API's code (bisnap_views.LATEST_STATUS), e.g. "04" refunded.
_BISNAP_NOTIFY_STATUS = {
    "settlement": "00",
    "capture": "00",
    "pending": "03",
    "cancel": "05",
    "expire": "05",
    "deny": "06",
    "failure": "06",
}


@dataclass(frozen=True)
class Message:
    """One notification as it goes on the wire; every retry sends exactly these bytes and headers."""

    kind: str  # "core" or "bisnap"
    url: str
    order_id: str
    transaction_status: str
    body: bytes
    headers: dict[str, str]


def core_body(transaction: Transaction, server_key: str, transaction_status: str | None = None) -> dict[str, Any]:
    """The Core API notification of `transaction`, as it is now or as it was in `transaction_status`.

    A stated `transaction_status` (an out-of-order or replayed notification) is signed like any other: the
    signature covers the status_code of the state the body claims, not the one the transaction is in.
    """
    status = transaction_status or transaction.transaction_status
    state = status.lower()
    if state not in NOTIFY_STATUS_CODES:
        raise ValueError(f"transaction_status must be one of: {', '.join(NOTIFY_STATUS_CODES)}")
    status_code = NOTIFY_STATUS_CODES[state]
    gross_amount = money(transaction.gross_amount)
    body: dict[str, Any] = {
        "transaction_time": format_time(transaction.transaction_time),
        "transaction_status": status,
        "transaction_id": transaction.transaction_id,
        "status_message": STATUS_MESSAGE,
        "status_code": status_code,
        "signature_key": signature_key(transaction.order_id, status_code, gross_amount, server_key),
        "payment_type": transaction.payment_type,
        "order_id": transaction.order_id,
        "merchant_id": transaction.merchant_id,
        "gross_amount": gross_amount,
        "currency": CURRENCY,
    }
    if transaction.fraud_status is not None:
        body["fraud_status"] = transaction.fraud_status
    if state in _SETTLED and transaction.settlement_time is not None:
        body["settlement_time"] = format_time(transaction.settlement_time)
    if state == "pending":
        expiry = transaction.expiry_time or transaction.transaction_time + _DEFAULT_EXPIRY
        body["expiry_time"] = format_time(expiry)
    body.update({name: value for name, value in transaction.extra.items() if name not in _NOT_NOTIFIED})
    if state in _REFUNDED and transaction.refunds:
        body["refund_amount"] = money(transaction.refunded_amount)
        body["refunds"] = [refund.render() for refund in transaction.refunds]
    body.update(transaction.custom_fields)
    return body


def core_message(url: str, transaction: Transaction, server_key: str, transaction_status: str | None = None) -> Message:
    body = core_body(transaction, server_key, transaction_status)
    return Message(
        "core", url, transaction.order_id, body["transaction_status"], json.dumps(body).encode(), dict(CORE_HEADERS)
    )


def bisnap_notify_url(notification_url: str, path: str) -> str:
    """`path` appended to the merchant's notification URL (its query string, if any, kept at the end)."""
    parts = urlsplit(notification_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + path))


def bisnap_message(url: str, transaction: Transaction, partner_id: str, merchant_id: str) -> Message:
    """The BI-SNAP notify POST to `url` (already ending in the notify path), signed with Midtrans' key."""
    state = transaction.status
    body = {
        "originalPartnerReferenceNo": transaction.order_id,
        "originalReferenceNo": transaction.transaction_id,
        "merchantId": merchant_id,
        "latestTransactionStatus": _BISNAP_NOTIFY_STATUS.get(state) or latest_status(transaction),
        "transactionStatusDesc": state,
        "amount": {"value": money(transaction.gross_amount), "currency": CURRENCY},
        "additionalInfo": {},
    }
    raw = json.dumps(body, separators=(",", ":")).encode()
    timestamp = format_iso(wib_now())
    headers = {
        "Content-Type": "application/json",
        "X-TIMESTAMP": timestamp,
        "X-SIGNATURE": bisnap_signature(urlsplit(url).path, raw, timestamp),
        "X-PARTNER-ID": partner_id,
        # Unique per notification (a retry is the same notification, so it keeps it).
        "X-EXTERNAL-ID": str(uuid.uuid4().int)[:32],
        "CHANNEL-ID": BISNAP_CHANNEL_ID,
    }
    return Message("bisnap", url, transaction.order_id, transaction.transaction_status, raw, headers)


def bisnap_string_to_sign(path: str, body: bytes, timestamp: str) -> str:
    return f"POST:{path}:{hashlib.sha256(body).hexdigest()}:{timestamp}"  # hexdigest is lower case


def bisnap_signature(path: str, body: bytes, timestamp: str) -> str:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    message = bisnap_string_to_sign(path, body, timestamp).encode()
    signed = midtrans_private_key().sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signed).decode()


# Midtrans' notification key pair: one per process, made on first use (generating 2048 bits takes a moment,
# and the Core API part of the simulator runs without `cryptography`).
_KEY_LOCK = threading.Lock()
_private_key: Any = None


def midtrans_private_key() -> Any:
    global _private_key
    with _KEY_LOCK:
        if _private_key is None:
            from cryptography.hazmat.primitives.asymmetric import rsa

            _private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _private_key


def midtrans_public_key_pem() -> str:
    """The public half, as the PEM (SubjectPublicKeyInfo) Midtrans hands its BI-SNAP merchants."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = midtrans_private_key().public_key()
    pem: bytes = public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return pem.decode()
