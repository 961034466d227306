"""Pieces every agent action shares: credentials for the caller's tenant, and the Core API factory type."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from midtrans_native.errors import MidtransError, RequestRefused, TransactionNotFound
from midtrans_native.messages import Locale, Msg, render
from midtrans_native.midtrans.core_api import PaymentsClient
from midtrans_native.models.api import AgentResponse
from midtrans_native.models.common import Caller
from midtrans_native.models.midtrans import MidtransCredentials, TransactionStatus
from midtrans_native.observability import ActionTelemetry, log_confirmation
from midtrans_native.stores.connections import StoredConnection

if TYPE_CHECKING:  # for cancel and refund only: the status function does not import the confirmation store
    from midtrans_native.stores.confirmations import Action, Confirmation, ConfirmationStore, Refusal

CoreApiFactory = Callable[[MidtransCredentials], PaymentsClient]
Answer = TypeVar("Answer", bound=AgentResponse)
# A stored decision result's customer message, rendered again in another locale (None: keep the stored one).
ResultRenderer = Callable[[dict[str, Any], Locale], str | None]
# An action's customer message for a decision outcome, from the order id and the transaction status it names.
DecisionMessage = Callable[[str, str | None, Locale], str]

# How often a request re-reads the prompt slot after losing it to a concurrent request before answering 409.
PROMPT_ATTEMPTS = 3


class CredentialsSource(Protocol):
    def credentials(self, cid: str) -> tuple[StoredConnection, MidtransCredentials] | None: ...


def load_credentials(connections: CredentialsSource, caller: Caller, locale: Locale) -> MidtransCredentials:
    loaded = connections.credentials(caller.cid)
    if loaded is None:
        raise RequestRefused(409, "not_connected", render(Msg.NOT_CONNECTED, locale))
    return loaded[1]


def failure_message(exc: MidtransError, default: Msg) -> Msg:
    """Rate limiting has its own customer copy (docs/product-contract.md §5); everything else uses the action's copy."""
    return Msg.RATE_LIMITED if exc.failure_reason == "rate_limited" else default


def result_renderer(messages: dict[str, DecisionMessage]) -> ResultRenderer:
    """A replayed decision speaks the locale of the request that repeats it: the stored result has the outcome, order
    id and status its message was made of, and `messages` the same text the first answer gave."""

    def rerender(result: dict[str, Any], locale: Locale) -> str | None:
        message = messages.get(str(result.get("outcome")))
        if message is None:
            return None
        status = result.get("transaction_status")
        return message(str(result.get("order_id")), status and str(status), locale)

    return rerender


def replay_or_refuse(refusal: Refusal, locale: Locale, rerender: ResultRenderer) -> dict[str, Any]:
    """A decision that did not win the confirmation: the first decision's stored answer (marked replayed, its
    message rendered again in this request's locale), or the refusal as HTTP: 403 other conversation, 409
    superseded by a newer prompt, 410 expired, 409 + Retry-After while running, 404."""
    if refusal.reason == "decided" and refusal.confirmation and refusal.confirmation.result:
        result = refusal.confirmation.result
        replay = {**result, "replayed": True}
        message = rerender(result, locale)
        if message is not None:
            replay.update(message=message, locale=locale)
        log_confirmation(
            "midtrans_confirmation_replayed",
            action=refusal.confirmation.action,
            confirmation_id=refusal.confirmation.confirmation_id,
            order_id=refusal.confirmation.order_id,
            outcome=replay.get("outcome"),
        )
        return replay
    if refusal.reason == "other_conversation":
        raise RequestRefused(
            403, "confirmation_other_conversation", render(Msg.CONFIRMATION_OTHER_CONVERSATION, locale)
        )
    if refusal.reason == "superseded":
        raise RequestRefused(409, "confirmation_superseded", render(Msg.CONFIRMATION_SUPERSEDED, locale))
    if refusal.reason == "expired":
        raise RequestRefused(410, "confirmation_expired", render(Msg.CONFIRMATION_EXPIRED, locale))
    if refusal.reason == "in_progress":
        raise in_progress(locale)
    raise RequestRefused(404, "confirmation_not_found", render(Msg.CONFIRMATION_NOT_FOUND, locale))


def admit_decision(
    confirmations: ConfirmationStore,
    caller: Caller,
    action: Action,
    *,
    confirmation_id: str,
    conversation_id: str,
    confirm: bool,
    customer_message_id: str | None,
    locale: Locale | None,
    rerender: ResultRenderer,
) -> tuple[Confirmation, Locale, dict[str, Any] | None]:
    """Everything a decision checks before its own checks (a refund's amount) and before any write, in order:
    the caller's right to the confirmation (404 unknown or another tenant's, 403 another conversation), the turn
    guard (a confirm only), then a decision already taken (its result, replayed in this locale), a newer prompt
    (409), expiry (410), a decision running (409 + Retry-After). Returns the confirmation, the locale to answer
    in, and the replay when there is one. The claim or decline that follows re-checks all of it atomically."""
    known, answer_locale = visible_confirmation(confirmations, confirmation_id, caller, action, locale)
    refusal = confirmations.check(known, cid=caller.cid, conversation_id=conversation_id)
    if refusal is not None and refusal.reason in ("not_found", "other_conversation"):
        replay_or_refuse(refusal, answer_locale, rerender)  # raises
    if confirm:
        require_customer_turn(known, customer_message_id, answer_locale)
    if refusal is not None:
        return known, answer_locale, replay_or_refuse(refusal, answer_locale, rerender)
    return known, answer_locale, None


def require_customer_turn(confirmation: Confirmation, customer_message_id: str | None, locale: Locale) -> None:
    """The turn guard: a "yes" relayed with the very customer message that produced the prompt was not the
    customer's answer (the model asked and answered in one turn). Only when the platform sent message ids."""
    if customer_message_id is not None and customer_message_id == confirmation.prompt_message_id:
        raise RequestRefused(409, "awaiting_customer_reply", render(Msg.AWAITING_CUSTOMER_REPLY, locale))


def in_progress(locale: Locale) -> RequestRefused:
    return RequestRefused(
        409, "decision_in_progress", render(Msg.DECISION_IN_PROGRESS, locale), headers={"Retry-After": "2"}
    )


def read_status(
    order_id: str,
    locale: Locale,
    *,
    client: PaymentsClient,
    telemetry: ActionTelemetry,
    answer: type[Answer],
    failure_copy: Msg,
) -> TransactionStatus | Answer:
    """The status read every agent action starts with: the transaction, or the action's own answer for an
    order Midtrans does not know (a successful action: Midtrans answered) or a read that failed."""
    telemetry.executed()
    try:
        return client.get_status(order_id)
    except TransactionNotFound:
        telemetry.succeeded(response_status="404", outcome="not_found")
        message = render(Msg.STATUS_NOT_FOUND, locale)
        return answer(outcome="not_found", message=message, locale=locale, order_id=order_id)
    except MidtransError as exc:
        telemetry.failed(exc.failure_reason, exc.detail)
        message = render(failure_message(exc, failure_copy), locale)
        return answer(
            outcome="failed",
            message=message,
            locale=locale,
            order_id=order_id,
            failure_reason=exc.failure_reason,
            retry_after_seconds=exc.retry_after_seconds,
        )


def visible_confirmation(
    confirmations: ConfirmationStore, confirmation_id: str, caller: Caller, action: Action, locale: Locale | None
) -> tuple[Confirmation, Locale]:
    """The caller's confirmation of this action, and the locale to answer in (the request's, else the prompt's).
    Another tenant's confirmation, or one for another action, does not exist for this caller: 404."""
    known = confirmations.get(confirmation_id)
    if known is None or known.cid != caller.cid or known.action != action:
        raise RequestRefused(404, "confirmation_not_found", render(Msg.CONFIRMATION_NOT_FOUND, locale or "en"))
    return known, locale or ("id" if known.locale == "id" else "en")
