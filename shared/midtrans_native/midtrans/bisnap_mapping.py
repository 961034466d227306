"""BI-SNAP answers mapped onto the Core API outcomes the actions already speak (docs/midtrans-behaviour.md §10).

Status, cancel and refund over BI-SNAP end in the same `TransactionStatus` and the same exceptions as over
Core API, so eligibility, confirmations, messages and metrics are one code path for both transports.
BI-SNAP response codes are 7 digits: HTTP status (3) + service code (2) + case (2).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from midtrans_native.errors import (
    DuplicateRefund,
    MidtransApiError,
    MidtransAuthError,
    MidtransInvalidRequest,
    MidtransRateLimited,
    RefundAmountRejected,
    TransactionNotFound,
    TransactionNotModifiable,
)
from midtrans_native.midtrans.transport import MidtransReply
from midtrans_native.models.midtrans import MidtransRefund, TransactionStatus

# latestTransactionStatus → Core API transaction_status ("04" is refined to partial_refund by the amounts).
LATEST_STATUS = {
    "00": "settlement",
    "01": "authorize",
    "03": "pending",
    "04": "refund",
    "05": "cancel",
    "06": "failure",
    "08": "expire",
    "09": "deny",
}
NOT_FOUND_STATUS = "07"


@dataclass(frozen=True)
class Product:
    """A BI-SNAP product family: its paths and the service code of its payments (sent in status bodies)."""

    name: str
    status_path: str
    cancel_path: str
    refund_path: str
    payment_service_code: str
    payment_type: str | None  # fixed for the family (QRIS), or None: the body says which method paid (debit)


DEBIT = Product("debit", "/v1.0/debit/status", "/v1.0/debit/cancel", "/v1.0/debit/refund", "54", None)
QRIS = Product("qris", "/v1.0/qr/qr-mpm-query", "/v1.0/qr/qr-mpm-cancel", "/v1.0/qr/qr-mpm-refund", "47", "qris")


@dataclass(frozen=True)
class SnapTransaction:
    """A transaction as a BI-SNAP status read found it: what a later cancel or refund must name."""

    product: Product
    reference_no: str
    partner_reference_no: str
    status: TransactionStatus


def raise_for_failure(reply: MidtransReply, what: str) -> dict[str, Any]:
    """Raise the Core API exception that means the same; return the body of a success.

    Only a `responseCode` is evidence about a transaction (not found, duplicate, not permitted, success). Without
    one, an HTTP status speaks only about the call: 401 (the token or the credentials) and 429 (the rate); any
    other answer, a proxy's HTML 404 or JSON of another shape, is an API error."""
    code = reply.snap_response_code
    http = int(code[:3]) if code else reply.http_status
    case = code[5:7] if code else ""
    detail = f"{what}: responseCode {code} (HTTP {reply.http_status})" if code else f"{what}: HTTP {reply.http_status}"
    if http == 401:
        raise MidtransAuthError(detail, http_status=reply.http_status, status_code=code)
    if http == 429:
        raise MidtransRateLimited(
            detail, http_status=reply.http_status, status_code=code, retry_after_seconds=reply.retry_after_seconds
        )
    if reply.body is None:
        raise MidtransApiError(
            f"{what}: HTTP {reply.http_status} with a body that is not a JSON object", http_status=reply.http_status
        )
    if code is None:
        raise MidtransApiError(f"{detail}, no responseCode in the body", http_status=reply.http_status)
    if http == 409:
        raise DuplicateRefund(detail, http_status=reply.http_status, status_code=code)
    if (http == 403 and case == "02") or (http == 404 and case == "13"):
        raise RefundAmountRejected(detail, http_status=reply.http_status, status_code=code)
    if http in (403, 405) or (http == 404 and case == "00"):
        # Not permitted / invalid status / outside the refund window: the transaction's state forbids it.
        raise TransactionNotModifiable(detail, http_status=reply.http_status, status_code=code)
    if http == 404:
        raise TransactionNotFound(detail, http_status=reply.http_status, status_code=code)
    if http == 400:
        raise MidtransInvalidRequest(detail, http_status=reply.http_status, status_code=code)
    if http != 200 or case != "00":
        # 5xx, 504 (Midtrans' own timeout), 202 "still processing": not a known success.
        raise MidtransApiError(detail, http_status=reply.http_status, status_code=code)
    return reply.body


def to_status(body: dict[str, Any], product: Product, asked: str) -> SnapTransaction | None:
    """A status body as a transaction, or None for latestTransactionStatus "07" (not found)."""
    latest = str(body.get("latestTransactionStatus", ""))
    if latest == NOT_FOUND_STATUS:
        return None
    if latest not in LATEST_STATUS:
        raise MidtransApiError(f"{product.name} status: unknown latestTransactionStatus {latest!r}")
    extra = _object(body.get("additionalInfo"))
    amount = _object(body.get("transAmount") or body.get("amount"))
    gross = _decimal(amount.get("value"))
    reference_no = body.get("originalReferenceNo")
    if gross is None or not isinstance(reference_no, str) or not reference_no:
        raise MidtransApiError(f"{product.name} status: body without amount or originalReferenceNo")
    history = body.get("refundHistory") or extra.get("refundHistory") or []
    refunds = [_refund(entry) for entry in history if isinstance(entry, dict) and entry.get("refundStatus") == "00"]
    refunded = sum((r.refund_amount or Decimal(0)) for r in refunds)
    status = LATEST_STATUS[latest]
    if status == "refund" and refunded and refunded < gross:
        status = "partial_refund"
    order_id = body.get("originalPartnerReferenceNo") or asked
    transaction = TransactionStatus(
        status_code=str(body.get("responseCode")),
        status_message=body.get("responseMessage"),
        order_id=order_id,
        transaction_id=reference_no,
        transaction_status=status,
        fraud_status=extra.get("fraudStatus"),
        payment_type=product.payment_type or _pay_method(extra),  # QRIS is "qris" whichever wallet paid
        gross_amount=gross,
        currency=amount.get("currency") or "IDR",
        settlement_time=body.get("paidTime"),
        expiry_time=extra.get("validUpTo"),
        refund_amount=refunded if refunds else None,
        refunds=refunds,
    )
    return SnapTransaction(product, reference_no, order_id, transaction)


def money(amount: int) -> str:
    return f"{amount}.00"


def _refund(entry: dict[str, Any]) -> MidtransRefund:
    amount = _object(entry.get("refundAmount"))
    return MidtransRefund(
        refund_chargeback_id=entry.get("refundNo"),
        refund_amount=_decimal(amount.get("value")),
        created_at=entry.get("refundDate"),
        reason=entry.get("reason"),
        refund_key=entry.get("partnerReferenceNo"),  # our partnerRefundNo: how a retried refund is recognised
    )


def _pay_method(extra: dict[str, Any]) -> str | None:
    for name in ("userPaymentDetails", "payOptionDetails"):
        details = extra.get(name)
        if isinstance(details, list) and details and isinstance(details[0], dict) and details[0].get("payMethod"):
            return str(details[0]["payMethod"]).lower()
    return None


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None
