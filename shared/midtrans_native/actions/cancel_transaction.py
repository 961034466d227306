"""Cancel Transaction (PRD S04): an eligibility pre-check that asks the customer, then exactly one cancel
for that customer's "yes".

Money-safety rule: the cancel endpoint is called only by `decide_cancellation`, only after the
confirmation record moved pending → executing by a conditional write for the same tenant and
conversation, before it expired. Everything else (repeats, races, other conversations) sends nothing.

One open prompt per (tenant, conversation, order), as for refunds: asking again while it is open gets the same
prompt back; asking again right after a cancel in the same conversation gets `already_requested`.
"""

from __future__ import annotations

from datetime import UTC, datetime

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
from midtrans_native.errors import MidtransError, TransactionNotModifiable
from midtrans_native.messages import Locale, Msg, render, status_text
from midtrans_native.midtrans.core_api import PaymentsClient
from midtrans_native.models.common import Caller
from midtrans_native.models.confirmations import (
    CancellationDecisionResponse,
    CancellationRequest,
    CancellationResponse,
    DecisionRequest,
)
from midtrans_native.models.midtrans import TransactionStatus
from midtrans_native.observability import ActionTelemetry, log_confirmation
from midtrans_native.registry import CANCEL_TRANSACTION
from midtrans_native.stores.confirmations import Confirmation, ConfirmationStore, Refusal

ACTION_TYPE = CANCEL_TRANSACTION.id
# Longer than the Lambda timeout (29 s): a live execution is never taken over; a dead one is, later.
LEASE_SECONDS = 35.0


def is_cancellable(transaction: TransactionStatus) -> bool:
    """pending and authorize; capture only for cards before settlement (docs/midtrans-behaviour.md §6)."""
    status = transaction.transaction_status
    return status in ("pending", "authorize") or (status == "capture" and transaction.payment_type == "credit_card")


def request_cancellation(
    request: CancellationRequest,
    caller: Caller,
    *,
    connections: CredentialsSource,
    core_api: CoreApiFactory,
    confirmations: ConfirmationStore,
    ttl_seconds: int,
) -> CancellationResponse:
    locale = request.locale
    credentials = load_credentials(connections, caller, locale)
    order_id = request.order_id
    if order_id is None:
        return CancellationResponse(
            outcome="needs_order_id", message=render(Msg.CANCEL_NEEDS_ORDER_ID, locale), locale=locale
        )
    where = {"cid": caller.cid, "conversation_id": request.conversation_id, "order_id": order_id}
    slot = confirmations.slot(**where, action="cancel")
    if (done := slot.done(confirmations.now(), "cancelled")) is not None:
        return _already_requested(done, locale)  # cancelled moments ago in this conversation: no Midtrans call

    telemetry = ActionTelemetry(
        ACTION_TYPE, cid=caller.cid, conversation_id=request.conversation_id, order_id=order_id, stage="precheck"
    )
    read = read_status(
        order_id,
        locale,
        client=core_api(credentials),
        telemetry=telemetry,
        answer=CancellationResponse,
        failure_copy=Msg.CANCEL_TIMEOUT,
    )
    if not isinstance(read, TransactionStatus):
        return read
    transaction = read

    status = transaction.transaction_status
    current = slot.open(confirmations.now())
    if status == "cancel" and current is not None and current.attempts > 0:
        # A "yes" on the open prompt reached Midtrans although its answer was lost: that cancel is the one.
        telemetry.succeeded(response_status=transaction.status_code, outcome="already_requested")
        return _already_requested(current, locale)
    if not is_cancellable(transaction):
        telemetry.succeeded(response_status=transaction.status_code, outcome="not_eligible")
        return CancellationResponse(
            outcome="not_eligible",
            message=render(Msg.CANCEL_NOT_ALLOWED, locale, status=status_text(status, locale)),
            locale=locale,
            order_id=order_id,
            transaction_status=status,
        )

    # The open prompt, if any, is the answer; otherwise a new one takes the slot by compare-and-set, and a
    # request that loses the slot to a concurrent one reads it again (and gets the winner's prompt).
    for _ in range(PROMPT_ATTEMPTS):
        now = confirmations.now()
        if (done := slot.done(now, "cancelled")) is not None:
            telemetry.succeeded(response_status=transaction.status_code, outcome="already_requested")
            return _already_requested(done, locale)
        current = slot.open(now)
        if current is not None:
            log_confirmation(
                "midtrans_confirmation_replayed",
                action="cancel",
                confirmation_id=current.confirmation_id,
                cid=caller.cid,
                conversation_id=request.conversation_id,
                order_id=order_id,
                outcome="confirmation_required",
            )
            telemetry.succeeded(response_status=transaction.status_code, outcome="confirmation_required")
            return _prompt(current, status, locale)
        stale = slot.confirmation
        if stale is not None and stale.state == "pending":
            confirmations.supersede(stale.confirmation_id)  # expired: make it final before the slot moves on
        confirmation = confirmations.open_prompt(
            slot,
            **where,
            action="cancel",
            transaction_id=transaction.transaction_id,
            amount=None,
            locale=locale,
            ttl_seconds=ttl_seconds,
            prompt_message_id=request.customer_message_id,
        )
        if confirmation is None:
            slot = confirmations.slot(**where, action="cancel")  # a concurrent request moved the slot first
            continue
        log_confirmation(
            "midtrans_confirmation_requested",
            action="cancel",
            confirmation_id=confirmation.confirmation_id,
            cid=caller.cid,
            conversation_id=request.conversation_id,
            order_id=order_id,
            transaction_status=status,
            expires_at=datetime.fromtimestamp(confirmation.expires_at, UTC).isoformat(),
        )
        telemetry.succeeded(response_status=transaction.status_code, outcome="confirmation_required")
        return _prompt(confirmation, status, locale)
    telemetry.succeeded(response_status=transaction.status_code, outcome="decision_in_progress")
    raise in_progress(locale)  # the slot kept moving under us: a retry in a moment settles it


def _prompt(confirmation: Confirmation, status: str | None, locale: Locale) -> CancellationResponse:
    return CancellationResponse(
        outcome="confirmation_required",
        message=render(Msg.CANCEL_PROMPT, locale, order_id=confirmation.order_id),
        locale=locale,
        order_id=confirmation.order_id,
        transaction_status=status,
        confirmation_id=confirmation.confirmation_id,
        expires_at=datetime.fromtimestamp(confirmation.expires_at, UTC),
    )


def _already_requested(confirmation: Confirmation, locale: Locale) -> CancellationResponse:
    return CancellationResponse(
        outcome="already_requested",
        message=render(Msg.CANCEL_ALREADY_REQUESTED, locale, order_id=confirmation.order_id),
        locale=locale,
        order_id=confirmation.order_id,
        transaction_status="cancel",
        confirmation_id=confirmation.confirmation_id,
    )


def decide_cancellation(
    request: DecisionRequest,
    caller: Caller,
    *,
    connections: CredentialsSource,
    core_api: CoreApiFactory,
    confirmations: ConfirmationStore,
) -> CancellationDecisionResponse:
    confirmation_id = request.confirmation_id
    known, locale, replay = admit_decision(
        confirmations,
        caller,
        "cancel",
        confirmation_id=confirmation_id,
        conversation_id=request.conversation_id,
        confirm=request.decision == "confirm",
        customer_message_id=request.customer_message_id,
        locale=request.locale,
        rerender=_rerender,
    )
    if replay is not None:
        return CancellationDecisionResponse.model_validate(replay)
    who = {"cid": caller.cid, "conversation_id": request.conversation_id}

    if request.decision == "decline":
        declined = _answer(known, "declined", _MESSAGES["declined"](known.order_id, None, locale), locale)
        outcome = confirmations.decline(confirmation_id, **who, result=declined.model_dump(mode="json"))
        if isinstance(outcome, Refusal):
            return _refused(outcome, locale)
        _log_decision(known, request, declined)
        return declined

    # Credentials first: a tenant that disconnected must not leave a claimed record behind.
    credentials = load_credentials(connections, caller, locale)
    claimed = confirmations.claim(confirmation_id, **who, lease_seconds=LEASE_SECONDS)
    if isinstance(claimed, Refusal):
        return _refused(claimed, locale)

    telemetry = ActionTelemetry(
        ACTION_TYPE,
        cid=caller.cid,
        conversation_id=request.conversation_id,
        order_id=claimed.order_id,
        stage="execute",
    )
    telemetry.executed()
    try:
        answer = _execute(core_api(credentials), claimed, locale)
    except MidtransError as exc:
        # Unknown or failed outcome: back to pending, so a later "yes" re-reads the truth before acting.
        confirmations.release(confirmation_id, exc.failure_reason)
        telemetry.failed(exc.failure_reason, exc.detail)
        failed = _answer(claimed, "failed", render(failure_message(exc, Msg.CANCEL_TIMEOUT), locale), locale)
        failed.failure_reason = exc.failure_reason
        failed.retry_after_seconds = exc.retry_after_seconds
        _log_decision(claimed, request, failed)
        return failed
    except Exception:
        confirmations.release(confirmation_id, "api_error")
        raise
    confirmations.complete(confirmation_id, answer.model_dump(mode="json"))
    telemetry.succeeded(response_status=answer.transaction_status or "", outcome=answer.outcome)
    _log_decision(claimed, request, answer)
    return answer


def _execute(client: PaymentsClient, confirmation: Confirmation, locale: Locale) -> CancellationDecisionResponse:
    """Re-read the status (the world may have changed while the customer thought), then cancel once."""
    reference = confirmation.transaction_id or confirmation.order_id
    transaction = client.get_status(reference)
    if transaction.transaction_status == "cancel" and confirmation.attempts > 1:
        # An earlier attempt's cancel landed although its answer was lost: report the truth.
        return _cancelled(confirmation, locale)
    if not is_cancellable(transaction):
        return _not_eligible(confirmation, transaction.transaction_status, locale)
    try:
        client.cancel(reference)
    except TransactionNotModifiable:
        # Changed between our read and the cancel (paid, expired, or cancelled elsewhere): say what it is now.
        now = client.get_status(reference).transaction_status
        return _cancelled(confirmation, locale) if now == "cancel" else _not_eligible(confirmation, now, locale)
    return _cancelled(confirmation, locale)


def _answer(
    confirmation: Confirmation, outcome: str, message: str, locale: Locale, transaction_status: str | None = None
) -> CancellationDecisionResponse:
    return CancellationDecisionResponse(
        outcome=outcome,
        message=message,
        locale=locale,
        confirmation_id=confirmation.confirmation_id,
        order_id=confirmation.order_id,
        transaction_status=transaction_status,
    )


# The customer message of each decision outcome: the first answer and every replay (in the replay's locale) say it.
_MESSAGES: dict[str, DecisionMessage] = {
    "cancelled": lambda order_id, status, locale: render(Msg.CANCEL_DONE, locale, order_id=order_id),
    "declined": lambda order_id, status, locale: render(Msg.CANCEL_DECLINED, locale),
    "not_eligible": lambda order_id, status, locale: render(
        Msg.CANCEL_NOT_ALLOWED, locale, status=status_text(status or "", locale)
    ),
}
_rerender = result_renderer(_MESSAGES)


def _cancelled(confirmation: Confirmation, locale: Locale) -> CancellationDecisionResponse:
    message = _MESSAGES["cancelled"](confirmation.order_id, None, locale)
    return _answer(confirmation, "cancelled", message, locale, "cancel")


def _not_eligible(confirmation: Confirmation, status: str, locale: Locale) -> CancellationDecisionResponse:
    message = _MESSAGES["not_eligible"](confirmation.order_id, status, locale)
    return _answer(confirmation, "not_eligible", message, locale, status)


def _refused(refusal: Refusal, locale: Locale) -> CancellationDecisionResponse:
    return CancellationDecisionResponse.model_validate(replay_or_refuse(refusal, locale, _rerender))


def _log_decision(confirmation: Confirmation, request: DecisionRequest, answer: CancellationDecisionResponse) -> None:
    log_confirmation(
        "midtrans_confirmation_decided",
        action="cancel",
        confirmation_id=confirmation.confirmation_id,
        cid=confirmation.cid,
        conversation_id=request.conversation_id,
        order_id=confirmation.order_id,
        decision=request.decision,
        outcome=answer.outcome,
        failure_reason=answer.failure_reason,
    )
