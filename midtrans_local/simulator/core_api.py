"""Core API v2: status, cancel, refund, expire (docs/midtrans-behaviour.md §4-§7).

Every outcome, errors included, is an HTTP 200 whose body `status_code` says what happened, as the
Midtrans docs file them. Callers have already checked the server key.
"""

from __future__ import annotations

import json
import re
import uuid
from http import HTTPStatus
from typing import Any

from midtrans_local.simulator.model import money
from midtrans_local.simulator.replies import (
    Reply,
    core_cannot_modify,
    core_error,
    core_not_found,
    core_validation_error,
    json_reply,
)
from midtrans_local.simulator.rules import RefusalKind, apply_refund, cancellable, refund_refusal
from midtrans_local.simulator.state import SimulatorState

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
        if not cancellable(transaction):
            return core_cannot_modify()
        transaction.move_to("cancel")
        state.announce(transaction)
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
        state.announce(transaction)
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
        amount = transaction.remaining_amount if amount is None else amount
        refusal = refund_refusal(found, amount)
        if refusal is not None and refusal.kind is RefusalKind.EXCEEDS:
            return core_error(414, "Refund request is rejected due to invalid amount", with_id=False)
        if refusal is not None:
            return core_cannot_modify()
        record = apply_refund(state, transaction, amount, payload.get("reason"), refund_key or str(uuid.uuid4()))
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
