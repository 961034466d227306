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
    PROMPT_ATTEMPTS,
    CoreApiFactory,
    CredentialsSource,
    DecisionMessage,
    admit_decision,
    failure_message,
    in_progress,
    load_credentials,
    read_status,
    replay_or_refuse,
    result_renderer,
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
from midtrans_native.models.common import Caller
from midtrans_native.models.confirmations import (
    RefundDecisionRequest,
    RefundDecisionResponse,
    RefundRequest,
    RefundResponse,
)
from midtrans_native.models.midtrans import TransactionStatus
from midtrans_native.observability import ActionTelemetry, log_confirmation
from midtrans_native.registry import REQUEST_REFUND
from midtrans_native.stores.confirmations import Confirmation, ConfirmationStore, Refusal, Slot

ACTION_TYPE = REQUEST_REFUND.id
LEASE_SECONDS = 35.0  # longer than the Lambda timeout: a live execution is never taken over
# Midtrans never refunds these (docs/midtrans-behaviour.md §7).
NOT_REFUNDABLE_PAYMENT_TYPES = frozenset({"bank_transfer", "echannel", "permata", "cstore"})
FULL_REFUND_ONLY = frozenset({"shopeepay", "ovo"})
REFUNDABLE_STATUSES = frozenset({"settlement", "partial_refund"})

RefundSender = Callable[..., RefundRecorded]


def refund_key_for(cid: str, confirmation_id: str) -> str:
    """Deterministic per confirmation, so every retry reuses it; Midtrans' alphabet ([A-Za-z0-9_-])."""
    digest = hashlib.sha256(f"{cid}\n{confirmation_id}".encode()).hexdigest()
    return f"mna-{digest[:40]}"


def remainder(transaction: TransactionStatus) -> int:
    return max(0, transaction.gross_amount_rupiah - transaction.refunded_rupiah)


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

    where = {"cid": caller.cid, "conversation_id": request.conversation_id, "order_id": order_id}
    slot = confirmations.slot(**where, action="refund")
    if (done := slot.done(confirmations.now(), "refunded")) is not None:
        return _already_requested(done, locale)  # refunded moments ago in this conversation: no Midtrans call

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

    if (landed := _landed(slot, transaction, caller)) is not None:
        telemetry.succeeded(response_status=transaction.status_code, outcome="already_requested")
        return _already_requested(landed, locale)
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

    # One open prompt per (tenant, conversation, order): the same amount gets it again, another amount replaces
    # it. Every move of the slot is a compare-and-set; losing one to a concurrent request means reading it again.
    full = amount == transaction.gross_amount_rupiah
    for _ in range(PROMPT_ATTEMPTS):
        now = confirmations.now()
        if (done := slot.done(now, "refunded")) is not None:
            telemetry.succeeded(response_status=transaction.status_code, outcome="already_requested")
            return _already_requested(done, locale)
        if (landed := _landed(slot, transaction, caller)) is not None:  # the slot may have moved since: again
            telemetry.succeeded(response_status=transaction.status_code, outcome="already_requested")
            return _already_requested(landed, locale)
        current = slot.open(now)
        if current is not None and current.amount == amount:
            log_confirmation(
                "midtrans_confirmation_replayed",
                action="refund",
                confirmation_id=current.confirmation_id,
                cid=caller.cid,
                conversation_id=request.conversation_id,
                order_id=order_id,
                amount=amount,
                outcome="confirmation_required",
            )
            telemetry.succeeded(response_status=transaction.status_code, outcome="confirmation_required")
            return _prompt(current, left, status, locale, full=full)
        if current is not None and (current.state != "pending" or current.attempts > 0):
            # The customer already said "yes" to it: being carried out, or tried with an unknown outcome (a refund
            # that may still land). Replacing it could refund twice; its own "yes" again reconciles it first.
            telemetry.succeeded(response_status=transaction.status_code, outcome="decision_in_progress")
            raise in_progress(locale)
        replaced = slot.confirmation if slot.confirmation and slot.confirmation.state == "pending" else None
        if replaced is not None:
            # Open with another amount (or pending past its expiry): it must never be confirmable again.
            if not confirmations.supersede(replaced.confirmation_id):
                slot = confirmations.slot(**where, action="refund")  # claimed or replaced meanwhile: look again
                continue
            log_confirmation(
                "midtrans_confirmation_superseded",
                action="refund",
                confirmation_id=replaced.confirmation_id,
                cid=caller.cid,
                conversation_id=request.conversation_id,
                order_id=order_id,
                amount=replaced.amount,
                new_amount=amount,
            )
        confirmation = confirmations.open_prompt(
            slot,
            **where,
            action="refund",
            transaction_id=transaction.transaction_id,
            amount=amount,
            reason=request.reason,
            locale=locale,
            ttl_seconds=ttl_seconds,
            prompt_message_id=request.customer_message_id,
        )
        if confirmation is None:
            slot = confirmations.slot(**where, action="refund")  # a concurrent request moved the slot first
            continue
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
            supersedes=replaced.confirmation_id if replaced else None,
        )
        telemetry.succeeded(response_status=transaction.status_code, outcome="confirmation_required")
        return _prompt(confirmation, left, status, locale, full=full)
    telemetry.succeeded(response_status=transaction.status_code, outcome="decision_in_progress")
    raise in_progress(locale)  # the slot kept moving under us: a retry in a moment settles it


def _landed(slot: Slot, transaction: TransactionStatus, caller: Caller) -> Confirmation | None:
    """The conversation's prompt, answered "yes" with an unknown outcome (pending again or still executing, open or
    past its expiry), whose refund Midtrans lists after all: that refund is the one the customer asked for."""
    tried = slot.confirmation
    if tried is None or tried.state not in ("pending", "executing") or tried.attempts == 0:
        return None
    return tried if has_refund(transaction, refund_key_for(caller.cid, tried.confirmation_id)) else None


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


def _already_requested(confirmation: Confirmation, locale: Locale) -> RefundResponse:
    return RefundResponse(
        outcome="already_requested",
        message=render(Msg.REFUND_ALREADY_REQUESTED, locale, order_id=confirmation.order_id),
        locale=locale,
        order_id=confirmation.order_id,
        confirmation_id=confirmation.confirmation_id,
        amount=confirmation.amount,
    )


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
    # Who may decide, the turn guard, a replay, a newer prompt, expiry — all before the amount cross-check, so
    # the amount cannot be probed and a repeated decision gets its first result whatever amount it carries.
    known, locale, replay = admit_decision(
        confirmations,
        caller,
        "refund",
        confirmation_id=confirmation_id,
        conversation_id=request.conversation_id,
        confirm=request.decision == "confirm",
        customer_message_id=request.customer_message_id,
        locale=request.locale,
        rerender=_rerender,
    )
    if replay is not None:
        return RefundDecisionResponse.model_validate(replay)
    if request.amount is not None and request.amount != known.amount:
        raise RequestRefused(422, "amount_mismatch", render(Msg.REFUND_AMOUNT_MISMATCH, locale))
    who = {"cid": caller.cid, "conversation_id": request.conversation_id}

    if request.decision == "decline":
        declined = _answer(known, "declined", _MESSAGES["declined"](known.order_id, None, locale), locale)
        outcome = confirmations.decline(confirmation_id, **who, result=declined.model_dump(mode="json"))
        if isinstance(outcome, Refusal):
            return RefundDecisionResponse.model_validate(replay_or_refuse(outcome, locale, _rerender))
        _log_decision(known, request, declined)
        return declined

    credentials = load_credentials(connections, caller, locale)
    claimed = confirmations.claim(confirmation_id, **who, lease_seconds=LEASE_SECONDS)
    if isinstance(claimed, Refusal):
        return RefundDecisionResponse.model_validate(replay_or_refuse(claimed, locale, _rerender))

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
        failed.retry_after_seconds = exc.retry_after_seconds
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


# The customer message of each decision outcome: the first answer and every replay (in the replay's locale) say it.
_MESSAGES: dict[str, DecisionMessage] = {
    "refunded": lambda order_id, status, locale: (
        f"{render(Msg.REFUND_DONE, locale, order_id=order_id)} {render(Msg.REFUND_SLA, locale)}"
    ),
    "declined": lambda order_id, status, locale: render(Msg.REFUND_DECLINED, locale),
    "not_eligible": lambda order_id, status, locale: render(
        Msg.REFUND_NOT_ALLOWED, locale, status=status_text(status or "", locale)
    ),
}
_rerender = result_renderer(_MESSAGES)


def _refunded(confirmation: Confirmation, refund_key: str, status: str, locale: Locale) -> RefundDecisionResponse:
    answer = _answer(
        confirmation, "refunded", _MESSAGES["refunded"](confirmation.order_id, status, locale), locale, status
    )
    answer.refund_key = refund_key
    return answer


def _not_eligible(confirmation: Confirmation, status: str, locale: Locale) -> RefundDecisionResponse:
    message = _MESSAGES["not_eligible"](confirmation.order_id, status, locale)
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
