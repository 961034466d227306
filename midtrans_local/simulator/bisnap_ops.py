"""The six BI-SNAP transactional operations: debit status/cancel/refund and QRIS query/cancel/refund.

They run after bisnap.py has checked partner, token and signature. They read and change the same
Transaction objects as Core API /v2, through the same cancel/refund rules (rules.py); only the
wording of each outcome is BI-SNAP's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from midtrans_local.simulator import bisnap_views as views
from midtrans_local.simulator.bisnap_registry import BisnapMerchant
from midtrans_local.simulator.model import format_iso, wib_now
from midtrans_local.simulator.replies import Reply, snap_reply
from midtrans_local.simulator.rules import RefusalKind, apply_refund, cancellable, refund_refusal
from midtrans_local.simulator.state import Lookup, SimulatorState

OK = views.OK_MESSAGE
NOT_FOUND = "Transaction Not Found"
DEBIT_TYPES = frozenset({"gopay", "shopeepay", "dana"})
QRIS_TYPES = frozenset({"qris"})
REF, PARTNER_REF, EXTERNAL = "originalReferenceNo", "originalPartnerReferenceNo", "originalExternalId"
_REFUND_NO = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_WHOLE_AMOUNT = re.compile(r"^[0-9]+(\.0{1,2})?$")  # the simulator stores whole rupiah


class InvalidField(Exception):
    """A missing or malformed field; bisnap.py answers 400SS02 "Invalid Mandatory Field <name>"."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class Ask:
    """An authenticated BI-SNAP request: who sent it, its JSON body and its X-EXTERNAL-ID."""

    merchant: BisnapMerchant
    payload: dict[str, Any]
    external_id: str


def debit_status(state: SimulatorState, ask: Ask) -> Reply:
    _text(ask.payload, "serviceCode", required=True)
    ids = _identifiers(ask.payload, (REF, EXTERNAL))
    with state.lock:
        found = _locate(state, ids, DEBIT_TYPES)
        if found is None:
            fields = {"latestTransactionStatus": views.NOT_FOUND_STATUS, "serviceCode": views.DEBIT_SERVICE_CODE}
            return snap_reply("2005500", OK, **fields, **ids)
        return snap_reply("2005500", OK, **views.debit_status(found.transaction))


def qris_query(state: SimulatorState, ask: Ask) -> Reply:
    _text(ask.payload, "serviceCode", required=True)
    ids = _identifiers(ask.payload, (REF, PARTNER_REF, EXTERNAL))
    with state.lock:
        found = _locate(state, ids, QRIS_TYPES)
        if found is None:
            fields = {
                "serviceCode": views.QRIS_SERVICE_CODE,
                "latestTransactionStatus": views.NOT_FOUND_STATUS,
                "transactionStatusDesc": "not found",
            }
            return snap_reply("2005100", OK, **ids, **fields)
        return snap_reply("2005100", OK, **views.qris_query(found.transaction))


def debit_cancel(state: SimulatorState, ask: Ask) -> Reply:
    partner = _text(ask.payload, PARTNER_REF, required=True)
    ids = _identifiers(ask.payload, (REF, EXTERNAL), fallback={PARTNER_REF: partner})
    with state.lock:
        found = _locate(state, ids, DEBIT_TYPES, partner=partner)
        if found is None:
            return snap_reply("4045701", NOT_FOUND)
        transaction = found.transaction
        if not cancellable(transaction):
            return snap_reply("4035715", f"Transaction Not Permitted. {transaction.transaction_status}")
        transaction.move_to("cancel")
        state.announce(transaction)
        return snap_reply("2005700", OK, originalReferenceNo=transaction.transaction_id, cancelTime=_now())


def qris_cancel(state: SimulatorState, ask: Ask) -> Reply:
    _merchant_id(ask)
    _text(ask.payload, "reason", required=True)
    ids = _identifiers(ask.payload, (REF, PARTNER_REF, EXTERNAL))
    with state.lock:
        found = _locate(state, ids, QRIS_TYPES, partner=ids.get(PARTNER_REF))
        if found is None:
            return snap_reply("4047701", NOT_FOUND)
        transaction = found.transaction
        if not cancellable(transaction):
            return snap_reply("4037715", f"Transaction Not Permitted. {transaction.transaction_status}")
        transaction.move_to("cancel")
        state.announce(transaction)
        fields = {PARTNER_REF: transaction.order_id, REF: transaction.transaction_id, "cancelTime": _now()}
        return snap_reply("2007700", OK, **fields)


def debit_refund(state: SimulatorState, ask: Ask) -> Reply:
    partner, refund_no, amount, reason = _refund_request(ask)
    ids = _identifiers(ask.payload, (REF, EXTERNAL), fallback={PARTNER_REF: partner})
    with state.lock:
        found = _locate(state, ids, DEBIT_TYPES, partner=partner)
        if found is None:
            return snap_reply("4045801", NOT_FOUND)
        transaction = found.transaction
        earlier = transaction.find_refund(refund_no)
        if earlier is not None:
            # Idempotent: the original answer again, and no second refund, whatever the state is now.
            return snap_reply("2005800", OK, **views.debit_refund(transaction, earlier))
        amount = transaction.remaining_amount if amount is None else amount
        refusal = refund_refusal(found, amount)
        if refusal is not None and refusal.kind is RefusalKind.EXCEEDS:
            return snap_reply("4035802", "Exceeds Transaction Amount Limit")
        if refusal is not None:
            return snap_reply("4035815", f"Transaction Not Permitted. {refusal.reason}")
        record = apply_refund(state, transaction, amount, reason, refund_no)
        return snap_reply("2005800", OK, **views.debit_refund(transaction, record))


def qris_refund(state: SimulatorState, ask: Ask) -> Reply:
    _merchant_id(ask)
    partner, refund_no, amount, reason = _refund_request(ask)
    if refund_no != ask.external_id:
        raise InvalidField("partnerRefundNo")  # "should be filled with the same value as X-EXTERNAL-ID"
    ids = _identifiers(ask.payload, (REF, EXTERNAL), fallback={PARTNER_REF: partner})
    with state.lock:
        found = _locate(state, ids, QRIS_TYPES, partner=partner)
        if found is None:
            return snap_reply("4047801", NOT_FOUND)
        transaction = found.transaction
        # Unlike debit refund, QRIS refund documents a 409 for a repeated partnerRefundNo.
        if transaction.find_refund(refund_no) is not None:
            return snap_reply("4097801", "Duplicate Transaction")
        amount = transaction.remaining_amount if amount is None else amount
        refusal = refund_refusal(found, amount)
        if refusal is not None and refusal.kind is RefusalKind.EXCEEDS:
            return snap_reply("4037802", "Exceeds Transaction Amount Limit")
        if refusal is not None:
            return snap_reply("4047800", "Invalid Transaction Status")
        record = apply_refund(state, transaction, amount, reason, refund_no)
        return snap_reply("2007800", OK, **views.qris_refund(transaction, record))


def order_hint(state: SimulatorState, payload: Any) -> str | None:
    """The order a request body names (first identifier found), for fault matching and the call log."""
    if not isinstance(payload, dict):
        return None
    for key in (REF, PARTNER_REF, EXTERNAL):
        value = payload.get(key)
        if isinstance(value, str) and value:
            return state.order_id_of(value) if key == REF else value
    return None


def _now() -> str:
    return format_iso(wib_now())


def _text(payload: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = payload.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise InvalidField(name)
    return value


def _identifiers(
    payload: dict[str, Any], priority: tuple[str, ...], fallback: dict[str, str] | None = None
) -> dict[str, str]:
    """The identifiers sent, highest priority first. At least one is required (or the fallback)."""
    sent = {name: _text(payload, name) for name in priority}
    sent = {name: value for name, value in sent.items() if value}
    if not sent and not fallback:
        raise InvalidField(priority[0])
    return sent or dict(fallback or {})


def _locate(
    state: SimulatorState, ids: dict[str, str], products: frozenset[str], *, partner: str | None = None
) -> Lookup | None:
    """The transaction the highest-priority identifier names, if it is this product's (caller holds the lock).

    originalReferenceNo is a transaction_id; the other two are the order_id. A partner reference
    that names another order makes the request name no transaction at all.
    """
    key, value = next(iter(ids.items()))
    if key == REF:
        order_id = state.order_id_by_transaction_id.get(value)
        found = Lookup(state.transactions[order_id], by_transaction_id=True) if order_id else None
    else:
        transaction = state.transactions.get(value)
        found = Lookup(transaction, by_transaction_id=False) if transaction else None
    if found is None or found.transaction.payment_type not in products:
        return None
    if partner and found.transaction.order_id != partner:
        return None
    return found


def _merchant_id(ask: Ask) -> None:
    if _text(ask.payload, "merchantId", required=True) != ask.merchant.merchant_id:
        raise InvalidField("merchantId")


def _refund_request(ask: Ask) -> tuple[str, str, int | None, str]:
    """(originalPartnerReferenceNo, partnerRefundNo, amount or None for "all that is left", reason)."""
    payload = ask.payload
    partner = _text(payload, PARTNER_REF, required=True)
    refund_no = _text(payload, "partnerRefundNo", required=True)
    if not _REFUND_NO.match(refund_no):
        raise InvalidField("partnerRefundNo")
    return partner, refund_no, _refund_amount(payload.get("refundAmount")), _text(payload, "reason")


def _refund_amount(value: Any) -> int | None:
    if value is None:
        return None
    amount = value.get("value") if isinstance(value, dict) else None
    currency = value.get("currency", "IDR") if isinstance(value, dict) else None
    if not isinstance(amount, str) or not _WHOLE_AMOUNT.match(amount) or currency != "IDR":
        raise InvalidField("refundAmount")
    whole = int(amount.split(".")[0])
    if whole <= 0:
        raise InvalidField("refundAmount")
    return whole
