"""The transactions every simulator starts with (and returns to on reset): one per status.

Timestamps are relative to the moment of (re)seeding so a pending order is never already past its
expiry_time. transaction_ids are uuid5 of the order_id, so they are stable across runs and machines.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from midtrans_local.simulator.model import RefundRecord, Transaction

_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "midtrans-local-simulator")

_CARD = {
    "masked_card": "48111111-1114",
    "bank": "bni",
    "card_type": "credit",
    "approval_code": "1700000000001",
    "eci": "05",
    "channel_response_code": "00",
    "channel_response_message": "Approved",
    "three_ds_version": "2",
    "challenge_completion": True,
}
_DENIED_CARD = {**_CARD, "channel_response_code": "05", "channel_response_message": "Denied"}
_DENIED_CARD.pop("approval_code")
_BCA_VA = {"va_numbers": [{"bank": "bca", "va_number": "12345678901"}]}
_BNI_VA = {"va_numbers": [{"bank": "bni", "va_number": "9881234567890123"}]}
_SETTLED = frozenset({"settlement", "refund", "partial_refund", "chargeback"})


@dataclass(frozen=True)
class _Seed:
    order_id: str
    description: str
    payment_type: str
    status: str
    amount: int = 150000
    fraud_status: str | None = "accept"
    extra: Mapping[str, Any] = field(default_factory=dict)
    # (amount, reason, refund_key) of refunds made before the simulator started.
    refunds: tuple[tuple[int, str, str], ...] = ()
    status_code_override: str | None = None
    refund_requires_transaction_id: bool = False
    age: timedelta = timedelta(hours=2)


_SEEDS: tuple[_Seed, ...] = (
    _Seed(
        "ORDER-PENDING-001", "pending BCA virtual account (status_code 201)", "bank_transfer", "pending", extra=_BCA_VA
    ),
    _Seed(
        "ORDER-PENDING-SHOPEEPAY-001",
        'ShopeePay pending as the docs sample writes it: "PENDING" upper case, status_code "200"',
        "shopeepay",
        "PENDING",
        amount=75000,
        status_code_override="200",
        extra={
            "actions": [
                {
                    "name": "deeplink-redirect",
                    "method": "GET",
                    "url": "shopeeid://simulator/pay/ORDER-PENDING-SHOPEEPAY-001",
                }
            ]
        },
    ),
    _Seed("ORDER-AUTHORIZE-CARD-001", "card pre-authorisation, cancellable", "credit_card", "authorize", extra=_CARD),
    _Seed(
        "ORDER-CAPTURE-CARD-001",
        "card captured, not settled yet: cancellable, not refundable",
        "credit_card",
        "capture",
        extra=_CARD,
    ),
    _Seed("ORDER-SETTLEMENT-GOPAY-001", "GoPay settlement, refundable (full or partial)", "gopay", "settlement"),
    _Seed(
        "ORDER-SETTLEMENT-CARD-001",
        "card settlement, refundable (full or partial)",
        "credit_card",
        "settlement",
        amount=250000,
        extra=_CARD,
    ),
    _Seed(
        "ORDER-SETTLEMENT-VA-001",
        "BNI virtual account settlement, NOT refundable",
        "bank_transfer",
        "settlement",
        extra=_BNI_VA,
    ),
    _Seed(
        "ORDER-SETTLEMENT-CSTORE-001",
        "Indomaret settlement, NOT refundable (no fraud_status)",
        "cstore",
        "settlement",
        amount=50000,
        fraud_status=None,
        extra={"store": "indomaret", "payment_code": "LOCALSIM00000001"},
    ),
    _Seed(
        "ORDER-SETTLEMENT-SHOPEEPAY-001",
        "ShopeePay settlement, full refund only",
        "shopeepay",
        "settlement",
        amount=80000,
    ),
    _Seed(
        "ORDER-SETTLEMENT-QRIS-STATIC-001",
        "GoPay static QRIS settlement: refund only by transaction_id in the URL",
        "qris",
        "settlement",
        amount=45000,
        refund_requires_transaction_id=True,
        extra={"issuer": "gopay", "acquirer": "gopay", "transaction_type": "on-us"},
    ),
    _Seed(
        "ORDER-PARTIAL-REFUND-001",
        "card partially refunded (50000 of 150000), 100000 left",
        "credit_card",
        "partial_refund",
        extra=_CARD,
        refunds=((50000, "Item out of stock", "SEED-PARTIAL-REFUND-1"),),
    ),
    _Seed(
        "ORDER-REFUND-001",
        "GoPay fully refunded",
        "gopay",
        "refund",
        refunds=((150000, "Customer request", "SEED-FULL-REFUND-1"),),
    ),
    _Seed(
        "ORDER-DENY-001",
        "card denied by the bank/FDS (status_code 202)",
        "credit_card",
        "deny",
        fraud_status="deny",
        extra=_DENIED_CARD,
    ),
    _Seed("ORDER-CANCEL-001", "GoPay cancelled by the merchant", "gopay", "cancel"),
    _Seed(
        "ORDER-EXPIRE-001",
        "BCA virtual account expired (status_code 407)",
        "bank_transfer",
        "expire",
        extra=_BCA_VA,
        age=timedelta(days=2),
    ),
    _Seed(
        "ORDER-FAILURE-001",
        "card failure: the bank did not respond (status_code 202)",
        "credit_card",
        "failure",
        extra=_DENIED_CARD,
    ),
    _Seed(
        "ORDER-CHARGEBACK-001",
        "card chargeback: not refundable, not cancellable",
        "credit_card",
        "chargeback",
        extra=_CARD,
        age=timedelta(days=30),
    ),
)

# Added for BI-SNAP demos (a pending and a settled dynamic QRIS, a pending GoPay). Kept out of
# SEEDED_ORDERS, which lists the one-order-per-status Core API set that other suites pin exactly;
# Core API /v2 sees these orders all the same.
_BISNAP_SEEDS: tuple[_Seed, ...] = (
    _Seed(
        "ORDER-PENDING-GOPAY-001",
        "GoPay pending: cancellable over Core API and BI-SNAP debit cancel",
        "gopay",
        "pending",
        extra={
            "actions": [
                {"name": "deeplink-redirect", "method": "GET", "url": "gojek://simulator/pay/ORDER-PENDING-GOPAY-001"}
            ]
        },
    ),
    _Seed(
        "ORDER-PENDING-QRIS-001",
        "dynamic QRIS pending: cancellable over BI-SNAP qr-mpm-cancel",
        "qris",
        "pending",
        amount=50000,
        extra={"acquirer": "gopay"},
    ),
    _Seed(
        "ORDER-SETTLEMENT-QRIS-001",
        "dynamic QRIS settlement: refundable (full or partial) by order_id or transaction_id",
        "qris",
        "settlement",
        amount=100000,
        extra={"issuer": "gopay", "acquirer": "gopay", "transaction_type": "on-us"},
    ),
)

# Orders the scenario fixtures (events/*.decide_*.json) act on, through the confirmations the local stack seeds
# for them: one order per fixture, so each fixture's outcome holds whatever ran before it.
_SCENARIO_SEEDS: tuple[_Seed, ...] = (
    _Seed(
        "ORDER-SCENARIO-CANCEL-CONFIRM",
        "GoPay pending: the cancel the decide_confirm fixture confirms",
        "gopay",
        "pending",
    ),
    _Seed(
        "ORDER-SCENARIO-CANCEL-DECLINE",
        "GoPay pending: the cancel the decide_decline fixture declines",
        "gopay",
        "pending",
    ),
    _Seed(
        "ORDER-SCENARIO-REFUND-CONFIRM",
        "GoPay settlement: the refund the decide_confirm fixture confirms",
        "gopay",
        "settlement",
    ),
    _Seed(
        "ORDER-SCENARIO-REFUND-DECLINE",
        "GoPay settlement: the refund the decide_decline fixture declines",
        "gopay",
        "settlement",
    ),
)

SEEDED_ORDERS: Mapping[str, str] = MappingProxyType({seed.order_id: seed.description for seed in _SEEDS})
SCENARIO_SEEDED_ORDERS: Mapping[str, str] = MappingProxyType(
    {seed.order_id: seed.description for seed in _SCENARIO_SEEDS}
)
BISNAP_SEEDED_ORDERS: Mapping[str, str] = MappingProxyType({seed.order_id: seed.description for seed in _BISNAP_SEEDS})

# Seeded refunds get ids below this; refunds made through the API count up from it.
FIRST_REFUND_CHARGEBACK_ID = 100001


def transaction_id_for(order_id: str) -> str:
    """The stable transaction_id of a seeded order."""
    return str(uuid.uuid5(_ID_NAMESPACE, order_id))


def seeded_transactions(now: datetime, server_key: str) -> list[Transaction]:
    """Fresh copies of every seeded transaction, timed relative to `now` (GMT+7), owned by `server_key`."""
    transactions = []
    chargeback_id = 90001
    for seed in _SEEDS + _BISNAP_SEEDS + _SCENARIO_SEEDS:
        started = now - seed.age
        refunds = []
        for amount, reason, refund_key in seed.refunds:
            created = started + timedelta(hours=1)
            refunds.append(RefundRecord(chargeback_id, amount, created, reason, refund_key, "online", created))
            chargeback_id += 1
        transactions.append(
            Transaction(
                order_id=seed.order_id,
                transaction_id=transaction_id_for(seed.order_id),
                payment_type=seed.payment_type,
                gross_amount=seed.amount,
                transaction_status=seed.status,
                transaction_time=started,
                fraud_status=seed.fraud_status,
                settlement_time=started + timedelta(minutes=5) if seed.status in _SETTLED else None,
                expiry_time=_expiry(seed, started),
                extra=copy.deepcopy(dict(seed.extra)),
                refunds=refunds,
                status_code_override=seed.status_code_override,
                refund_requires_transaction_id=seed.refund_requires_transaction_id,
                server_key=server_key,
            )
        )
    return transactions


def _expiry(seed: _Seed, started: datetime) -> datetime | None:
    # Only payments that wait for the customer carry an expiry_time.
    if seed.status.lower() in {"pending", "expire"}:
        return started + timedelta(days=1)
    return None
