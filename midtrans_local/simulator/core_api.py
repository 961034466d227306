"""Core API v2: status, cancel, refund, expire (midtrans-api.md §3-§6).

Every outcome, errors included, is an HTTP 200 whose body `status_code` says what happened, as the
Midtrans docs file them. Callers have already checked the server key.
"""

from __future__ import annotations

import json
import re
import uuid
from http import HTTPStatus
from typing import Any

from midtrans_local.simulator.model import RefundRecord, money, wib_now
from midtrans_local.simulator.replies import (
    Reply,
    core_cannot_modify,
    core_error,
    core_not_found,
    core_validation_error,
    json_reply,
)
from midtrans_local.simulator.state import SimulatorState

# Bank transfer / VA and convenience stores have no refund feature (midtrans-api.md §6).
NOT_REFUNDABLE_TYPES = frozenset({"bank_transfer", "echannel", "permata", "cstore"})
# "Partial refunds not supported for ShopeePay and OVO". OVO has no Core API payment_type of its
# own in the docs read; the simulator uses "ovo" for it.
FULL_REFUND_ONLY_TYPES = frozenset({"shopeepay", "ovo"})
REFUNDABLE_STATUSES = frozenset({"settlement", "partial_refund"})
_REFUND_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def status(state: SimulatorState, ident: str, server_key: str) -> Reply:
    with state.lock:
        found = state.find(ident)
        if found is None:
            return core_not_found()
        return json_reply(HTTPStatus.OK, found.transaction.status_body(server_key))


def cancel(state: SimulatorState, ident: str) -> Reply:
    with state.lock:
        found = state.find(ident)
        if found is None:
            return core_not_found()
        transaction = found.transaction
        cancellable = transaction.status in {"pending", "authorize"} or (
            # A captured card payment can be cancelled until it settles; settled money is refunded.
            transaction.status == "capture" and transaction.payment_type == "credit_card"
        )
        if not cancellable:
            return core_cannot_modify()
        transaction.move_to("cancel")
        return json_reply(HTTPStatus.OK, transaction.summary("200", "Success, transaction is canceled"))


def expire(state: SimulatorState, ident: str) -> Reply:
    with state.lock:
        found = state.find(ident)
        if found is None:
            return core_not_found()
        transaction = found.transaction
        if transaction.status != "pending":
            return core_cannot_modify()
        transaction.move_to("expire")
        # 407 is the documented *success* code of expire.
        return json_reply(HTTPStatus.OK, transaction.summary("407", "Success, transaction has expired"))


def refund(state: SimulatorState, ident: str, raw_body: bytes) -> Reply:
    try:
        payload = json.loads(raw_body) if raw_body.strip() else {}
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return core_error(413, "The request could not be processed due to malformed syntax in the request body.")
    problems = _refund_problems(payload)
    if problems:
        return core_validation_error(*problems)
    refund_key: str | None = payload.get("refund_key")
    amount: int | None = payload.get("amount")
    with state.lock:
        found = state.find(ident)
        if found is None:
            return core_not_found()
        transaction = found.transaction
        # Refunds are keyed by refund_key: a repeat never refunds twice, whatever the state now is.
        if refund_key is not None and transaction.find_refund(refund_key) is not None:
            return core_error(406, "Duplicate refund ID", with_id=False)
        if (
            transaction.status not in REFUNDABLE_STATUSES
            or transaction.payment_type in NOT_REFUNDABLE_TYPES
            or (transaction.refund_requires_transaction_id and not found.by_transaction_id)
        ):
            return core_cannot_modify()
        remaining = transaction.remaining_amount
        amount = remaining if amount is None else amount
        if amount > remaining:
            return core_error(414, "Refund request is rejected due to invalid amount", with_id=False)
        if transaction.payment_type in FULL_REFUND_ONLY_TYPES and amount != transaction.gross_amount:
            return core_cannot_modify()
        record = RefundRecord(
            refund_chargeback_id=state.take_refund_chargeback_id(),
            amount=amount,
            created_at=wib_now(),
            reason=payload.get("reason") or "refund request from merchant",
            refund_key=refund_key or str(uuid.uuid4()),
        )
        transaction.refunds.append(record)
        transaction.move_to("refund" if transaction.remaining_amount == 0 else "partial_refund")
        body = transaction.summary("200", "Success, refund request is approved")
        body.update(
            refund_chargeback_id=record.refund_chargeback_id,
            refund_amount=money(record.amount),
            refund_key=record.refund_key,
        )
        return json_reply(HTTPStatus.OK, body)


def _refund_problems(payload: dict[str, Any]) -> list[str]:
    problems = []
    refund_key = payload.get("refund_key")
    if refund_key is not None and not (isinstance(refund_key, str) and _REFUND_KEY.match(refund_key)):
        problems.append("refund_key must only contain alphanumeric characters, dashes and underscores")
    amount = payload.get("amount")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0):
        problems.append("amount must be a positive integer")
    reason = payload.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 255):
        problems.append("reason must be a string of at most 255 characters")
    return problems
