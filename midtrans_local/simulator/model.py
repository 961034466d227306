"""Stored transactions and how Midtrans renders them in a `GET /v2/{id}/status` body."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

# Midtrans writes every timestamp in Western Indonesian Time (GMT+7) without an offset.
WIB = timezone(timedelta(hours=7), "WIB")
MERCHANT_ID = "G000000001"
CURRENCY = "IDR"

# Body status_code per transaction_status (lower case). Source: docs/midtrans-behaviour.md §4.
# `failure` has no documented code; the simulator uses "202", the code Midtrans uses for the other
# "payment did not go through" outcome (deny), so clients that raise on body codes >= 400 still
# read the transaction instead of treating a valid status answer as an API error.
STATUS_CODES: dict[str, str] = {
    "pending": "201",
    "authorize": "200",
    "capture": "200",
    "settlement": "200",
    "cancel": "200",
    "refund": "200",
    "partial_refund": "200",
    "chargeback": "200",
    "partial_chargeback": "200",
    "deny": "202",
    "failure": "202",
    "expire": "407",
}

FOUND_MESSAGE = "Success, transaction is found"


def wib_now() -> datetime:
    return datetime.now(WIB).replace(microsecond=0)


def format_time(value: datetime) -> str:
    """Midtrans' "YYYY-MM-DD HH:MM:SS" in GMT+7."""
    return value.astimezone(WIB).strftime("%Y-%m-%d %H:%M:%S")


def format_iso(value: datetime) -> str:
    """ISO-8601 with the +07:00 offset, as BI-SNAP writes times (e.g. 2023-07-03T10:36:17+07:00)."""
    return value.astimezone(WIB).replace(microsecond=0).isoformat()


def money(amount: int) -> str:
    """Whole rupiah as Midtrans writes money: a string with two decimals."""
    return f"{amount}.00"


def signature_key(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """sha512 hex of order_id + status_code + gross_amount + server_key, as Midtrans signs."""
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{server_key}".encode()).hexdigest()


@dataclass
class RefundRecord:
    refund_chargeback_id: int
    amount: int
    created_at: datetime
    reason: str
    refund_key: str
    # Midtrans fills these about a day after the request; seeded historic refunds carry them.
    refund_method: str | None = None
    bank_confirmed_at: datetime | None = None

    def render(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "refund_chargeback_id": self.refund_chargeback_id,
            "refund_amount": money(self.amount),
            "created_at": format_time(self.created_at),
            "reason": self.reason,
            "refund_key": self.refund_key,
        }
        if self.refund_method is not None:
            body["refund_method"] = self.refund_method
        if self.bank_confirmed_at is not None:
            body["bank_confirmed_at"] = format_time(self.bank_confirmed_at)
        return body


@dataclass
class Transaction:
    order_id: str
    transaction_id: str
    payment_type: str
    gross_amount: int
    transaction_status: str
    transaction_time: datetime
    fraud_status: str | None = "accept"
    settlement_time: datetime | None = None
    expiry_time: datetime | None = None
    # Payment-method fields copied verbatim into the status body (va_numbers, masked_card, store...).
    extra: dict[str, Any] = field(default_factory=dict)
    refunds: list[RefundRecord] = field(default_factory=list)
    # Set only where a documented sample disagrees with STATUS_CODES (the uppercase "PENDING" one).
    status_code_override: str | None = None
    # Models "GoPay static QRIS refunds must use transaction_id in the URL".
    refund_requires_transaction_id: bool = False
    merchant_id: str = MERCHANT_ID
    # The merchant account the transaction belongs to, named by its server key: HTTP notifications go
    # to that key's notification URL, signed with it. Kept out of repr so a printed transaction never leaks it.
    server_key: str = field(default="", repr=False)
    # custom_field1..3 of the payment link it was bought through: notifications carry them.
    custom_fields: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """transaction_status compared case-insensitively, as clients are told to do."""
        return self.transaction_status.lower()

    @property
    def refunded_amount(self) -> int:
        return sum(refund.amount for refund in self.refunds)

    @property
    def remaining_amount(self) -> int:
        return self.gross_amount - self.refunded_amount

    @property
    def status_code(self) -> str:
        if self.status_code_override is not None:
            return self.status_code_override
        return STATUS_CODES.get(self.status, "200")

    def move_to(self, status: str) -> None:
        """Change state; a documented sample's odd status_code belongs to the old state only."""
        self.transaction_status = status
        self.status_code_override = None

    def find_refund(self, refund_key: str) -> RefundRecord | None:
        return next((r for r in self.refunds if r.refund_key == refund_key), None)

    def summary(self, status_code: str, status_message: str) -> dict[str, Any]:
        """The identifying fields every Core API answer about this transaction carries."""
        body: dict[str, Any] = {
            "status_code": status_code,
            "status_message": status_message,
            "transaction_id": self.transaction_id,
            "order_id": self.order_id,
            "merchant_id": self.merchant_id,
            "gross_amount": money(self.gross_amount),
            "currency": CURRENCY,
            "payment_type": self.payment_type,
            "transaction_time": format_time(self.transaction_time),
            "transaction_status": self.transaction_status,
        }
        if self.fraud_status is not None:
            body["fraud_status"] = self.fraud_status
        return body

    def status_body(self, server_key: str) -> dict[str, Any]:
        """The full `GET /v2/{id}/status` body, signed with the key the caller used."""
        status_code = self.status_code
        body = self.summary(status_code, FOUND_MESSAGE)
        body["signature_key"] = signature_key(self.order_id, status_code, money(self.gross_amount), server_key)
        if self.expiry_time is not None:
            body["expiry_time"] = format_time(self.expiry_time)
        if self.settlement_time is not None:
            body["settlement_time"] = format_time(self.settlement_time)
        body.update(copy.deepcopy(self.extra))
        if self.refunds:
            body["refund_amount"] = money(self.refunded_amount)
            body["refunds"] = [refund.render() for refund in self.refunds]
        return body
