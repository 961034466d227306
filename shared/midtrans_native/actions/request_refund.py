"""Request Refund (PRD S05): eligibility pre-check, customer confirmation, exactly one refund per "yes".

Exactly once, in three layers (docs/product-contract.md §3): the confirmation record's conditional state machine (one
caller wins a decision); Powertools idempotency on the POST, keyed on `refund_key` (`refund_sender`); and
that same deterministic `refund_key` sent to Midtrans, which refuses a second refund with it (406). A timeout
or 5xx is an unknown outcome: reconcile with a status read (is our `refund_key` in `refunds[]`?) before
answering, and never send a new key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime

from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

from midtrans_native.actions.common import (
    CoreApiFactory,
    CredentialsSource,
    failure_message,
    in_progress,
    load_credentials,
    read_status,
    replay_or_refuse,
    require_customer_turn,
    visible_confirmation,
)
from midtrans_native.actions.refund_sender import RefundCommand, RefundRecorded
from midtrans_native.errors import (
    DuplicateRefund,
    MidtransApiError,
    MidtransError,
    MidtransTimeout,
    RequestRefused,
    TransactionNotModifiable,
)
from midtrans_native.messages import Locale, Msg, format_rupiah, render, status_text
from midtrans_native.midtrans.core_api import PaymentsClient
from midtrans_native.models.api import RefundDecisionRequest, RefundDecisionResponse, RefundRequest, RefundResponse
from midtrans_native.models.common import Caller
from midtrans_native.models.midtrans import TransactionStatus
from midtrans_native.observability import ActionTelemetry, log_confirmation
from midtrans_native.registry import REQUEST_REFUND
from midtrans_native.stores.confirmations import Confirmation, ConfirmationStore, Refusal

ACTION_TYPE = REQUEST_REFUND.id
LEASE_SECONDS = 35.0  # longer than the Lambda timeout: a live execution is never taken over
DONE_WINDOW_SECONDS = 600  # a repeated request right after a refund gets that refund back, not a new prompt
# Midtrans never refunds these (docs/midtrans-behaviour.md §7).
NOT_REFUNDABLE_PAYMENT_TYPES = frozenset({"bank_transfer", "echannel", "permata", "cstore"})
FULL_REFUND_ONLY = frozenset({"shopeepay", "ovo"})
REFUNDABLE_STATUSES = frozenset({"settlement", "partial_refund"})

RefundSender = Callable[..., RefundRecorded]


def refund_key_for(cid: str, confirmation_id: str) -> str:
    """Deterministic per confirmation, so every retry reuses it; Midtrans' alphabet ([A-Za-z0-9_-])."""
    digest = hashlib.sha256(f"{cid}\n{confirmation_id}".encode()).hexdigest()
    return f"mna-{digest[:40]}"


def refunded_so_far(transaction: TransactionStatus) -> int:
    if transaction.refund_amount is not None:
        return int(transaction.refund_amount)
    return int(sum(r.refund_amount or 0 for r in transaction.refunds))


def remainder(transaction: TransactionStatus) -> int:
    return max(0, transaction.gross_amount_rupiah - refunded_so_far(transaction))


def ineligibility(transaction: TransactionStatus, amount: int) -> str | None:
    """Why this amount cannot be refunded now (None: it can). The amount is checked against the remainder
    by the caller first, so here it is 1..remainder."""
    if transaction.transaction_status not in REFUNDABLE_STATUSES or remainder(transaction) <= 0:
        return "status"
    if transaction.payment_type in NOT_REFUNDABLE_PAYMENT_TYPES:
        return "payment_method"
    if transaction.payment_type in FULL_REFUND_ONLY and amount != transaction.gross_amount_rupiah:
        return "full_refund_only"
    return None


def has_refund(transaction: TransactionStatus, refund_key: str) -> bool:
    return any(refund.refund_key == refund_key for refund in transaction.refunds)


def request_refund(
    request: RefundRequest,
    caller: Caller,
    *,
    connections: CredentialsSource,
    core_api: CoreApiFactory,
    confirmations: ConfirmationStore,
    ttl_seconds: int,
) -> RefundResponse:
    locale = request.locale
    credentials = load_credentials(connections, caller, locale)
    order_id = request.order_id
    if order_id is None:
        return RefundResponse(
            outcome="needs_order_id", message=render(Msg.REFUND_NEEDS_ORDER_ID, locale), locale=locale
        )

    recent = confirmations.recent(
        cid=caller.cid, conversation_id=request.conversation_id, action="refund", order_id=order_id
    )
    if recent is not None and (answer := _dedupe(recent, confirmations.now(), locale)) is not None:
        return answer

    telemetry = ActionTelemetry(
        ACTION_TYPE, cid=caller.cid, conversation_id=request.conversation_id, order_id=order_id, stage="precheck"
    )
    read = read_status(
        order_id,
        locale,
        client=core_api(credentials),
        telemetry=telemetry,
        answer=RefundResponse,
        failure_copy=Msg.REFUND_TIMEOUT,
    )
    if not isinstance(read, TransactionStatus):
        return read
    transaction = read

    left = remainder(transaction)
    amount = request.amount if request.amount is not None else left
    status = transaction.transaction_status
    if request.amount is not None and left > 0 and request.amount > left:
        telemetry.succeeded(response_status=transaction.status_code, outcome="amount_too_large")
        raise RequestRefused(
            422,
            "amount_exceeds_remainder",
            render(Msg.REFUND_AMOUNT_TOO_LARGE, locale, order_id=order_id, remainder=format_rupiah(left, locale)),
        )
    reason = ineligibility(transaction, amount)
    if reason is not None:
        telemetry.succeeded(response_status=transaction.status_code, outcome="not_eligible")
        return RefundResponse(
            outcome="not_eligible",
            message=render(Msg.REFUND_NOT_ALLOWED, locale, status=status_text(status, locale)),
            locale=locale,
            order_id=order_id,
            transaction_status=status,
            refundable_amount=left,
            not_eligible_reason=reason,
        )

    confirmation = confirmations.create(
        cid=caller.cid,
        conversation_id=request.conversation_id,
        action="refund",
        order_id=order_id,
        transaction_id=transaction.transaction_id,
        amount=amount,
        reason=request.reason,
        locale=locale,
        ttl_seconds=ttl_seconds,
        prompt_message_id=request.customer_message_id,
    )
    confirmations.remember_recent(confirmation, until=confirmation.expires_at)
    log_confirmation(
        "midtrans_confirmation_requested",
        action="refund",
        confirmation_id=confirmation.confirmation_id,
        cid=caller.cid,
        conversation_id=request.conversation_id,
        order_id=order_id,
        amount=amount,
        refundable_amount=left,
        transaction_status=status,
    )
    telemetry.succeeded(response_status=transaction.status_code, outcome="confirmation_required")
    return _prompt(confirmation, left, status, locale, full=amount == transaction.gross_amount_rupiah)


def _prompt(
    confirmation: Confirmation, refundable: int | None, status: str | None, locale: Locale, *, full: bool
) -> RefundResponse:
    """The PRD prompt for a full refund; for a partial one the same question with the amount in it."""
    amount = confirmation.amount or 0
    if full:
        message = render(Msg.REFUND_PROMPT, locale, order_id=confirmation.order_id)
    else:
        rupiah = format_rupiah(amount, locale)
        message = render(Msg.REFUND_PROMPT_PARTIAL, locale, order_id=confirmation.order_id, amount=rupiah)
    return RefundResponse(
        outcome="confirmation_required",
        message=message,
        locale=locale,
        order_id=confirmation.order_id,
        transaction_status=status,
        confirmation_id=confirmation.confirmation_id,
        expires_at=datetime.fromtimestamp(confirmation.expires_at, UTC),
        amount=amount,
        refundable_amount=refundable,
    )


def _dedupe(recent: Confirmation, now: float, locale: Locale) -> RefundResponse | None:
    """Same order, same conversation: a prompt still open is returned again; a refund just done is reported."""
    if recent.state in ("pending", "executing") and not recent.expired(now):
        return _prompt(recent, None, None, locale, full=False)  # states the amount: no gross at hand here
    if recent.state == "done" and recent.result:
        return RefundResponse(
            outcome="already_requested",
            message=render(Msg.REFUND_ALREADY_REQUESTED, locale, order_id=recent.order_id),
            locale=locale,
            order_id=recent.order_id,
            confirmation_id=recent.confirmation_id,
            amount=recent.amount,
        )
    return None


def decide_refund(
    request: RefundDecisionRequest,
    caller: Caller,
    *,
    connections: CredentialsSource,
    core_api: CoreApiFactory,
    confirmations: ConfirmationStore,
    send_refund: RefundSender,
) -> RefundDecisionResponse:
    confirmation_id = request.confirmation_id
    known, locale = visible_confirmation(confirmations, confirmation_id, caller, "refund", request.locale)
    if request.decision == "confirm":
        require_customer_turn(known, request.customer_message_id, locale)
    if request.amount is not None and request.amount != known.amount:
        raise RequestRefused(422, "amount_mismatch", render(Msg.REFUND_AMOUNT_MISMATCH, locale))
    who = {"cid": caller.cid, "conversation_id": request.conversation_id}

    if request.decision == "decline":
        declined = _answer(known, "declined", render(Msg.REFUND_DECLINED, locale), locale)
        outcome = confirmations.decline(confirmation_id, **who, result=declined.model_dump(mode="json"))
        if isinstance(outcome, Refusal):
            return RefundDecisionResponse.model_validate(replay_or_refuse(outcome, locale))
        _log_decision(known, request, declined)
        return declined

    credentials = load_credentials(connections, caller, locale)
    claimed = confirmations.claim(confirmation_id, **who, lease_seconds=LEASE_SECONDS)
    if isinstance(claimed, Refusal):
        return RefundDecisionResponse.model_validate(replay_or_refuse(claimed, locale))

    refund_key = refund_key_for(caller.cid, confirmation_id)
    telemetry = ActionTelemetry(
        ACTION_TYPE,
        cid=caller.cid,
        conversation_id=request.conversation_id,
        order_id=claimed.order_id,
        stage="execute",
    )
    telemetry.executed()
    try:
        answer = _execute(core_api(credentials), claimed, refund_key, send_refund, locale)
    except MidtransError as exc:
        # Still unknown (or refused) after reconciling: keep the record so a later "yes" retries, same key.
        confirmations.release(confirmation_id, exc.failure_reason)
        telemetry.failed(exc.failure_reason, exc.detail)
        failed = _answer(claimed, "failed", render(failure_message(exc, Msg.REFUND_TIMEOUT), locale), locale)
        failed.failure_reason = exc.failure_reason
        failed.refund_key = refund_key
        _log_decision(claimed, request, failed)
        return failed
    except IdempotencyAlreadyInProgressError:
        confirmations.release(confirmation_id, "api_error")
        raise in_progress(locale) from None  # another environment holds the POST right now: 409, not 500
    except Exception:
        confirmations.release(confirmation_id, "api_error")
        raise
    confirmations.complete(confirmation_id, answer.model_dump(mode="json"))
    if answer.outcome == "refunded":
        confirmations.remember_recent(claimed, until=confirmations.now() + DONE_WINDOW_SECONDS)
    telemetry.succeeded(response_status=answer.transaction_status or "", outcome=answer.outcome)
    _log_decision(claimed, request, answer)
    return answer


def _execute(
    client: PaymentsClient, confirmation: Confirmation, refund_key: str, send_refund: RefundSender, locale: Locale
) -> RefundDecisionResponse:
    reference = confirmation.transaction_id or confirmation.order_id  # GoPay static QRIS needs transaction_id
    amount = confirmation.amount or 0
    transaction = client.get_status(reference)
    if has_refund(transaction, refund_key):
        return _refunded(confirmation, refund_key, transaction.transaction_status, locale)  # an earlier try landed
    if amount > remainder(transaction) or ineligibility(transaction, amount) is not None:
        return _not_eligible(confirmation, transaction.transaction_status, locale)
    command = RefundCommand(
        refund_key=refund_key,
        order_id=confirmation.order_id,
        transaction_ref=reference,
        amount=amount,
        reason=confirmation.reason,
    )
    try:
        recorded = send_refund(command=command, client=client)
    except TransactionNotModifiable:  # 412/414: the status or remainder changed under us
        now = client.get_status(reference)
        if has_refund(now, refund_key):
            return _refunded(confirmation, refund_key, now.transaction_status, locale)
        return _not_eligible(confirmation, now.transaction_status, locale)
    except (DuplicateRefund, MidtransTimeout, MidtransApiError) as unknown:
        # 406 means Midtrans already has this key; a timeout or 5xx may or may not have refunded. Look.
        try:
            now = client.get_status(reference)
        except MidtransError:
            raise unknown from None
        if has_refund(now, refund_key):
            return _refunded(confirmation, refund_key, now.transaction_status, locale)
        raise
    return _refunded(confirmation, refund_key, recorded.transaction_status, locale)


def _answer(
    confirmation: Confirmation, outcome: str, message: str, locale: Locale, transaction_status: str | None = None
) -> RefundDecisionResponse:
    return RefundDecisionResponse(
        outcome=outcome,
        message=message,
        locale=locale,
        confirmation_id=confirmation.confirmation_id,
        order_id=confirmation.order_id,
        amount=confirmation.amount,
        transaction_status=transaction_status,
    )


def _refunded(confirmation: Confirmation, refund_key: str, status: str, locale: Locale) -> RefundDecisionResponse:
    message = f"{render(Msg.REFUND_DONE, locale, order_id=confirmation.order_id)} {render(Msg.REFUND_SLA, locale)}"
    answer = _answer(confirmation, "refunded", message, locale, status)
    answer.refund_key = refund_key
    return answer


def _not_eligible(confirmation: Confirmation, status: str, locale: Locale) -> RefundDecisionResponse:
    message = render(Msg.REFUND_NOT_ALLOWED, locale, status=status_text(status, locale))
    return _answer(confirmation, "not_eligible", message, locale, status)


def _log_decision(confirmation: Confirmation, request: RefundDecisionRequest, answer: RefundDecisionResponse) -> None:
    log_confirmation(
        "midtrans_confirmation_decided",
        action="refund",
        confirmation_id=confirmation.confirmation_id,
        cid=confirmation.cid,
        conversation_id=request.conversation_id,
        order_id=confirmation.order_id,
        amount=confirmation.amount,
        refund_key=answer.refund_key,
        decision=request.decision,
        outcome=answer.outcome,
        failure_reason=answer.failure_reason,
    )
