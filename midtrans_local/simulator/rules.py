"""What may happen to a transaction: the cancel and refund rules both Core API v2 and BI-SNAP apply.

One copy of the rules keeps the two APIs agreeing about the same stored transaction; each API only
chooses how to word the outcome (a Core API body status_code, a BI-SNAP responseCode).
Callers hold the state lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from midtrans_local.simulator.model import RefundRecord, Transaction, wib_now
from midtrans_local.simulator.state import Lookup, SimulatorState

# Bank transfer / VA and convenience stores have no refund feature (docs/midtrans-behaviour.md §7).
NOT_REFUNDABLE_TYPES = frozenset({"bank_transfer", "echannel", "permata", "cstore"})
# "Partial refunds not supported for ShopeePay and OVO". OVO has no Core API payment_type of its
# own in the docs read; the simulator uses "ovo" for it.
FULL_REFUND_ONLY_TYPES = frozenset({"shopeepay", "ovo"})
REFUNDABLE_STATUSES = frozenset({"settlement", "partial_refund"})
DEFAULT_REFUND_REASON = "refund request from merchant"


class RefusalKind(Enum):
    NOT_PERMITTED = "not_permitted"  # the state or the payment method forbids it
    EXCEEDS = "exceeds"  # more than what is left to refund


@dataclass(frozen=True)
class RefundRefusal:
    kind: RefusalKind
    reason: str  # human words for BI-SNAP's "Transaction Not Permitted. <reason>"


def cancellable(transaction: Transaction) -> bool:
    return transaction.status in {"pending", "authorize"} or (
        # A captured card payment can be cancelled until it settles; settled money is refunded.
        transaction.status == "capture" and transaction.payment_type == "credit_card"
    )


def refund_refusal(found: Lookup, amount: int) -> RefundRefusal | None:
    """Why `amount` cannot be refunded now, or None when it can. The order of the checks is Midtrans'."""
    transaction = found.transaction
    if transaction.status not in REFUNDABLE_STATUSES:
        return RefundRefusal(RefusalKind.NOT_PERMITTED, f"Transaction status is {transaction.transaction_status}")
    if transaction.payment_type in NOT_REFUNDABLE_TYPES:
        return RefundRefusal(RefusalKind.NOT_PERMITTED, f"{transaction.payment_type} cannot be refunded")
    if transaction.refund_requires_transaction_id and not found.by_transaction_id:
        return RefundRefusal(RefusalKind.NOT_PERMITTED, "static QRIS refunds need the transaction_id")
    if amount > transaction.remaining_amount:
        return RefundRefusal(RefusalKind.EXCEEDS, "amount exceeds the remaining amount")
    if transaction.payment_type in FULL_REFUND_ONLY_TYPES and amount != transaction.gross_amount:
        return RefundRefusal(RefusalKind.NOT_PERMITTED, f"{transaction.payment_type} allows full refunds only")
    return None


def apply_refund(
    state: SimulatorState, transaction: Transaction, amount: int, reason: str | None, refund_key: str
) -> RefundRecord:
    """Store an allowed refund, move the transaction to refund / partial_refund and notify the merchant.

    Both Core API and BI-SNAP refunds come through here, so either sends the notification.
    """
    record = RefundRecord(
        refund_chargeback_id=state.take_refund_chargeback_id(),
        amount=amount,
        created_at=wib_now(),
        reason=reason or DEFAULT_REFUND_REASON,
        refund_key=refund_key,
    )
    transaction.refunds.append(record)
    transaction.move_to("refund" if transaction.remaining_amount == 0 else "partial_refund")
    state.announce(transaction)
    return record
