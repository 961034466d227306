"""How a stored transaction reads over BI-SNAP: status codes, amounts, refund history, reply fields.

The same Transaction objects back Core API /v2, so a refund made on either side shows on both.
"""

from __future__ import annotations

from typing import Any

from midtrans_local.simulator.model import CURRENCY, RefundRecord, Transaction, format_iso, money

OK_MESSAGE = "Request has been processed successfully"
NOT_FOUND_STATUS = "07"
DEBIT_SERVICE_CODE = "54"  # the serviceCode of a direct debit payment, echoed by debit status
QRIS_SERVICE_CODE = "47"  # the serviceCode of a QRIS generate, echoed by the QRIS query

# latestTransactionStatus per simulator transaction_status (the legacy mapping in the BI-SNAP overview).
# chargeback is not in that mapping; "04" (refunded) is the simulator's choice, as the money went back.
LATEST_STATUS = {
    "pending": "03",
    "authorize": "01",
    "capture": "00",
    "settlement": "00",
    "refund": "04",
    "partial_refund": "04",
    "chargeback": "04",
    "partial_chargeback": "04",
    "cancel": "05",
    "failure": "06",
    "expire": "08",
    "deny": "09",
}


def latest_status(transaction: Transaction) -> str:
    return LATEST_STATUS.get(transaction.status, "06")


def amount_object(amount: int) -> dict[str, str]:
    return {"value": money(amount), "currency": CURRENCY}


def refund_history(transaction: Transaction) -> list[dict[str, Any]]:
    # Core API refunds appear too: their refund_key plays the part of partnerRefundNo.
    return [
        {
            "refundNo": str(refund.refund_chargeback_id),
            "partnerReferenceNo": refund.refund_key,
            "refundAmount": amount_object(refund.amount),
            "refundStatus": "00",
            "refundDate": format_iso(refund.created_at),
            "reason": refund.reason,
        }
        for refund in transaction.refunds
    ]


def _identity(transaction: Transaction) -> dict[str, str]:
    # The simulator assumes the merchant charged with X-EXTERNAL-ID = order_id (Midtrans' own sample).
    return {
        "originalPartnerReferenceNo": transaction.order_id,
        "originalReferenceNo": transaction.transaction_id,
        "originalExternalId": transaction.order_id,
    }


def _paid_time(transaction: Transaction) -> dict[str, str]:
    return {"paidTime": format_iso(transaction.settlement_time)} if transaction.settlement_time else {}


def debit_status(transaction: Transaction) -> dict[str, Any]:
    additional: dict[str, Any] = {}
    if transaction.fraud_status is not None:
        additional["fraudStatus"] = transaction.fraud_status
    if transaction.status == "pending" and transaction.expiry_time is not None:
        additional["validUpTo"] = format_iso(transaction.expiry_time)
    pay_option = "GOPAY_WALLET" if transaction.payment_type == "gopay" else transaction.payment_type.upper()
    additional["userPaymentDetails"] = [{"payMethod": transaction.payment_type, "payOption": pay_option}]
    return {
        **_identity(transaction),
        "serviceCode": DEBIT_SERVICE_CODE,
        "latestTransactionStatus": latest_status(transaction),
        "transAmount": amount_object(transaction.gross_amount),
        **_paid_time(transaction),
        "refundHistory": refund_history(transaction),
        "additionalInfo": additional,
    }


def qris_query(transaction: Transaction) -> dict[str, Any]:
    identity = _identity(transaction)
    return {
        "originalReferenceNo": identity["originalReferenceNo"],
        "originalPartnerReferenceNo": identity["originalPartnerReferenceNo"],
        "originalExternalId": identity["originalExternalId"],
        "serviceCode": QRIS_SERVICE_CODE,
        "latestTransactionStatus": latest_status(transaction),
        "transactionStatusDesc": transaction.status,
        **_paid_time(transaction),
        "amount": amount_object(transaction.gross_amount),
        "additionalInfo": {"refundHistory": refund_history(transaction)},
    }


def debit_refund(transaction: Transaction, refund: RefundRecord) -> dict[str, Any]:
    # Rendered from the stored refund, so a repeat with the same partnerRefundNo gets the same body.
    return {
        "originalReferenceNo": transaction.transaction_id,
        "refundNo": str(refund.refund_chargeback_id),
        "partnerRefundNo": refund.refund_key,
        "refundAmount": amount_object(refund.amount),
        "refundTime": format_iso(refund.created_at),
    }


def qris_refund(transaction: Transaction, refund: RefundRecord) -> dict[str, Any]:
    return {
        "originalPartnerReferenceNo": transaction.order_id,
        "originalReferenceNo": transaction.transaction_id,
        "referenceNo": str(refund.refund_chargeback_id),
        "partnerRefundNo": refund.refund_key,
        "refundAmount": amount_object(refund.amount),
        "refundTime": format_iso(refund.created_at),
    }
