"""Midtrans' payment notifications → one event per meaningful change, for the conversation that asked
(docs/decisions.md D31, docs/midtrans-behaviour.md §12).

In order, for every notification: the tenant by its notification URL's token (404 if none), the body, the signature
against that tenant's keys (401), then the status re-read from Midtrans — the notification is a hint, the status API
is the truth — and a receipt per (tenant, order, news as read: `receipt_id`) taken by a conditional write: each
piece of news is processed once, whatever repeats or arrives out of order. Only then the conversation is looked up
and the event published. A failure of the tenant lookup, or any after the signature check, answers 503, so Midtrans
retries; nothing is dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, get_args

from midtrans_native.errors import MidtransError, RequestRefused
from midtrans_native.messages import Msg, format_rupiah, render
from midtrans_native.midtrans.notification_signatures import bisnap_signature_matches, signature_key_matches
from midtrans_native.models.common import Locale
from midtrans_native.models.midtrans import MidtransCredentials, TransactionStatus
from midtrans_native.models.notifications import EventType, NotificationOutcome, PlatformEvent
from midtrans_native.observability import count_notification, count_platform_event, logger
from midtrans_native.stores.connections import StoredConnection, TenantRecord
from midtrans_native.stores.notification_receipts import NotificationReceipts
from midtrans_native.stores.order_contexts import OrderContext, OrderContextStore
from midtrans_native.stores.platform_events import PlatformEvents

if TYPE_CHECKING:  # the link client is built only for a suffixed link purchase (deps imports it then)
    from midtrans_native.midtrans.core_api import PaymentsClient
    from midtrans_native.midtrans.payment_links import PaymentLink

# The receipt's lease: longer than the function's timeout (29 s), so a live invocation is never taken over.
LEASE_SECONDS = 35.0
UNKNOWN_URL = "No connected tenant has this notification URL."
TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
REFUND_STATES = ("refund", "partial_refund")
EVENT_COPY: dict[EventType, Msg] = {
    "payment_received": Msg.EVENT_PAYMENT_RECEIVED,
    "payment_failed": Msg.EVENT_PAYMENT_FAILED,
    "payment_expired": Msg.EVENT_PAYMENT_EXPIRED,
    "cancelled": Msg.EVENT_CANCELLED,
    "refund_completed": Msg.EVENT_REFUND_COMPLETED,
    "partial_refund": Msg.EVENT_PARTIAL_REFUND,
}
# BI-SNAP service codes of the notifications (the middle of a response code: HTTP status + service + case).
BISNAP_SERVICES = {"/v1.0/debit/notify": "56", "/v1.0/qr/qr-mpm-notify": "52"}


class TenantLookup(Protocol):
    def tenant_by_notification_token(self, token: str) -> TenantRecord | None: ...
    def credentials_of(self, tenant: TenantRecord) -> tuple[StoredConnection, MidtransCredentials] | None: ...


class LinkReader(Protocol):
    def get(self, order_id: str) -> PaymentLink: ...


@dataclass(frozen=True)
class Collaborators:
    """What processing a notification talks to (deps builds the real ones; tests pass their own)."""

    core_api: Callable[[MidtransCredentials], PaymentsClient]
    links: Callable[[MidtransCredentials], LinkReader]
    receipts: NotificationReceipts
    contexts: OrderContextStore
    events: PlatformEvents
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


@dataclass(frozen=True)
class Processed:
    """A notification taken (200): `duplicate` when its state was processed before."""

    outcome: NotificationOutcome
    event_type: EventType | None = None


def event_type_of(status: TransactionStatus) -> EventType | None:
    """The change a state means for the customer; None for states that need no message (pending, authorize...)."""
    state = status.transaction_status
    if state == "settlement" or (state == "capture" and status.fraud_status in (None, "accept")):
        return "payment_received"
    if state in ("deny", "failure"):
        return "payment_failed"
    if state == "expire":
        return "payment_expired"
    if state == "cancel":
        return "cancelled"
    if state == "refund":
        return "refund_completed"
    if state == "partial_refund":
        return "partial_refund"
    return None


def receipt_id(cid: str, status: TransactionStatus) -> str:
    """One receipt per piece of news about an order: an event type once (a card payment's capture and its later
    settlement are one payment_received), a refund per refunded total (each partial refund is news). A state with no
    event, per state and fraud status: a challenged capture is not yet the accepted one that follows it."""
    event_type = event_type_of(status)
    if event_type is None:
        news: list[object] = [status.transaction_status, status.fraud_status]
    elif status.transaction_status in REFUND_STATES:
        news = [event_type, status.refunded_rupiah]
    else:
        news = [event_type]
    material = json.dumps([cid, status.order_id, *news])
    return hashlib.sha256(material.encode()).hexdigest()


# ---- the two doors: Midtrans' HTTP notification, and BI-SNAP's -------------------------------------------------


def tenant_for(token: str, tenants: TenantLookup) -> MidtransCredentials:
    """The credentials of the connected tenant behind a notification URL, or 404 (a revoked or guessed URL; nothing
    is recorded). 503 when the table or KMS fails: Midtrans tries again."""
    try:
        tenant = tenants.tenant_by_notification_token(token) if _plausible_token(token) else None
        found = tenants.credentials_of(tenant) if tenant is not None else None
    except Exception as exc:
        raise _retry_later(None, f"tenant lookup failed: {type(exc).__name__}") from None
    if found is None:
        count_notification("unknown_tenant")
        raise RequestRefused(404, "unknown_notification_url", UNKNOWN_URL)
    return found[1]


def receive_notification(credentials: MidtransCredentials, body: Mapping[str, Any], deps: Collaborators) -> Processed:
    """An HTTP notification (Core API, Snap, payment links) for the tenant `tenant_for` found: `signature_key`
    checked with its server key."""
    cid = credentials.cid
    order_id = body.get("order_id")
    if not isinstance(order_id, str) or not order_id:
        count_notification("invalid")
        raise RequestRefused(400, "invalid_notification", "order_id: required, a non-empty string.")
    if not signature_key_matches(body, credentials.server_key.get_secret_value()):
        count_notification("bad_signature")
        logger.warning("midtrans_notification_refused", extra={"cid": cid, "reason": "bad_signature"})
        raise RequestRefused(401, "bad_signature", "signature_key: does not match this notification.")
    return process(cid, credentials, order_id, deps)


def receive_bisnap_notification(
    credentials: MidtransCredentials,
    request_path: str,
    raw_body: bytes,
    headers: Mapping[str, str],
    deps: Collaborators,
) -> Processed:
    """A BI-SNAP notification: X-SIGNATURE by Midtrans' private key over the exact bytes received (and this
    request's path), checked with the public key the admin gave with the BI-SNAP credentials."""
    cid = credentials.cid
    public_key = credentials.bisnap.midtrans_public_key if credentials.bisnap else None
    timestamp, signature = headers.get("x-timestamp", ""), headers.get("x-signature", "")
    if not (public_key and timestamp and signature) or not bisnap_signature_matches(
        public_key, request_path, raw_body, timestamp, signature
    ):
        count_notification("bad_signature")
        logger.warning("midtrans_notification_refused", extra={"cid": cid, "reason": "bad_signature"})
        raise RequestRefused(401, "bad_signature", "X-SIGNATURE: does not match this notification.")
    try:
        body = json.loads(raw_body)
    except ValueError:
        body = None
    order_id = body.get("originalPartnerReferenceNo") if isinstance(body, dict) else None
    if not isinstance(order_id, str) or not order_id:
        count_notification("invalid")
        raise RequestRefused(400, "invalid_notification", "originalPartnerReferenceNo: required, a non-empty string.")
    return process(cid, credentials, order_id, deps)


def bisnap_answer(service_path: str, http_status: int) -> dict[str, str]:
    """The envelope BI-SNAP expects: responseCode = HTTP status + service code + case "00"."""
    service = BISNAP_SERVICES.get(service_path, "56")
    message = {
        200: "Request has been processed successfully",
        400: "Bad Request",
        401: "Unauthorized. Signature",
        404: "Not Found",
    }.get(http_status, "Bad Request" if 400 <= http_status < 500 else "Internal Server Error")
    return {"responseCode": f"{http_status}{service}00", "responseMessage": message}


# ---- processing ------------------------------------------------------------------------------------------------


def process(cid: str, credentials: MidtransCredentials, order_id: str, deps: Collaborators) -> Processed:
    """Re-read, take the receipt, publish, finish. Raises RequestRefused(503) when Midtrans should retry."""
    try:
        # Not found included: Midtrans signed a notification its own status API cannot show yet. And whatever else
        # fails on the way (a BI-SNAP token, the receipts table): Midtrans retries a 503, nothing is dropped.
        status = deps.core_api(credentials).get_status(order_id)
        receipt = receipt_id(cid, status)
        taken = deps.receipts.begin(receipt, lease_seconds=LEASE_SECONDS)
    except Exception as exc:
        raise _retry_later(cid, f"status re-read or receipt failed: {type(exc).__name__}") from None
    if taken == "done":
        count_notification("duplicate")
        return Processed("duplicate")
    if taken == "in_progress":
        raise _retry_later(cid, "another delivery of this state is being processed")
    event_type = event_type_of(status)
    try:
        if event_type is not None:
            context, link_order_id = find_context(cid, status, credentials, deps)
            event = build_event(receipt, event_type, cid, status, context, link_order_id, deps.now())
            deps.events.publish(event_type, event.model_dump(mode="json"))
            count_platform_event(event_type)
        deps.receipts.finish(receipt, event_id=receipt if event_type else None)
    except Exception as exc:
        deps.receipts.release(receipt)
        raise _retry_later(cid, f"processing failed: {type(exc).__name__}") from None
    count_notification("accepted")
    logger.info(
        "midtrans_notification_processed",
        extra={"cid": cid, "order_id": order_id, "transaction_status": status.transaction_status, "event": event_type},
    )
    return Processed("accepted", event_type)


def find_context(
    cid: str, status: TransactionStatus, credentials: MidtransCredentials, deps: Collaborators
) -> tuple[OrderContext | None, str | None]:
    """The conversation this order belongs to, and the payment link's order_id for a link purchase. An exact record
    first; otherwise a link whose order_id is a "-"-prefix of this one AND whose purchases Midtrans lists this
    transaction (or, without transaction ids, this order_id) — a prefix alone could be another merchant order."""
    exact, linked = deps.contexts.find_with_prefixes(cid, status.order_id)
    if exact is not None:
        return exact, status.order_id if exact.source == "payment_link" else None
    if not linked:
        return None, None
    links = deps.links(credentials)
    for candidate in linked:
        try:
            link = links.get(candidate.order_id)
        except MidtransError as exc:
            if exc.http_status == 404:
                continue  # deleted since: not this purchase's link, and no reason to make Midtrans retry
            raise
        for purchase in link.purchases:
            by_transaction = purchase.transaction_id is not None and purchase.transaction_id == status.transaction_id
            by_order = purchase.transaction_id is None and purchase.order_id == status.order_id
            if by_transaction or by_order:
                return candidate, candidate.order_id
    return None, None


def build_event(
    event_id: str,
    event_type: EventType,
    cid: str,
    status: TransactionStatus,
    context: OrderContext | None,
    link_order_id: str | None,
    now: datetime,
) -> PlatformEvent:
    locale: Locale = context.locale if context is not None and context.locale in get_args(Locale) else "en"  # type: ignore[assignment]
    shown_order = link_order_id or status.order_id  # the order id the customer was given
    refunded: int | None = None
    money = status.gross_amount_rupiah  # what the message names: the payment, or this refund's own amount
    if status.transaction_status in REFUND_STATES:
        refunded = status.refunded_rupiah
        latest = status.refunds[-1].refund_amount if status.refunds else None
        money = refunded if latest is None else int(latest)
    messages: dict[Locale, str] = {
        language: render(EVENT_COPY[event_type], language, order_id=shown_order, amount=format_rupiah(money, language))
        for language in get_args(Locale)
    }
    return PlatformEvent(
        event_id=event_id,
        event_type=event_type,
        cid=cid,
        order_id=status.order_id,
        link_order_id=link_order_id,
        transaction_id=status.transaction_id,
        conversation_id=context.conversation_id if context else None,
        channel_type=context.channel_type if context else None,
        locale=locale,
        message=messages[locale],
        messages=messages,
        transaction_status=status.transaction_status,
        payment_type=status.payment_type,
        gross_amount=status.gross_amount_rupiah,
        refunded_amount=refunded,
        occurred_at=now.astimezone(UTC).isoformat(),
    )


def _retry_later(cid: str | None, why: str) -> RequestRefused:
    count_notification("retry_later")
    logger.warning("midtrans_notification_retry", extra={"cid": cid, "reason": why})
    return RequestRefused(503, "retry_later", "The notification could not be processed now; Midtrans will retry.")


def _plausible_token(token: str) -> bool:
    """Tokens are 43 URL-safe characters (secrets.token_urlsafe(32)); anything else is no tenant's, unread."""
    return 20 <= len(token) <= 64 and set(token) <= TOKEN_ALPHABET
