"""Create Payment Link (PRD S03): a Midtrans payment link, answered as a message the platform sends unchanged.

Asking twice is safe. The link's identity is derived, never random:

* `order_id`: the conversation's, or `<prefix>-` + 16 base32 characters of HMAC-SHA256(server key, tenant,
  conversation, the request's content after defaults), so a retry of the same request names the same order;
* `payment_link_id` (the URL slug): `mna-` + 32 base32 characters of HMAC-SHA256(server key, tenant,
  conversation, order_id, content).

Keyed by the tenant's server key, neither can be guessed by anyone who does not hold it. A repeated create
meets Midtrans' 409 (order_id taken); the existing link is read and, when its `payment_link_id` is the one
this request derives, it is the same request again and its URL is returned (`replayed: true`). Otherwise the
order id belongs to another conversation or other details: 409 `order_id_taken`, nothing created.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from midtrans_native.actions.common import CredentialsSource, load_credentials
from midtrans_native.errors import FailureReason, MidtransError, RequestRefused
from midtrans_native.link_messages import LinkMsg, button_label, render_link, text_with_link, valid_for, whatsapp_body
from midtrans_native.messages import Locale, Msg, render
from midtrans_native.midtrans.payment_links import (
    PaymentLink,
    PaymentLinkClient,
    PaymentLinkConflict,
    PaymentLinkNotFound,
    PaymentLinkPayload,
    WireTransactionDetails,
)
from midtrans_native.models.common import Caller
from midtrans_native.models.midtrans import MidtransCredentials
from midtrans_native.models.payment_links import (
    CreatePaymentLinkRequest,
    CreatePaymentLinkResponse,
    CtaUrlAction,
    CtaUrlInteractive,
    CtaUrlParameters,
    InteractiveBody,
    LinkExpiry,
    PaymentLinkDefaults,
    TextBody,
    TextDelivery,
    WhatsAppCtaUrlDelivery,
)
from midtrans_native.observability import ActionTelemetry, count_payment_link_created, logger
from midtrans_native.registry import CREATE_PAYMENT_LINK

ACTION_TYPE = CREATE_PAYMENT_LINK.id
DEFAULT_ORDER_ID_PREFIX = "LINK"
# Midtrans' own default is 2 (unverified): one link sent to one customer for one order is paid once.
DEFAULT_USAGE_LIMIT = 1
WHATSAPP = "whatsapp"

PaymentLinkFactory = Callable[[MidtransCredentials], PaymentLinkClient]
_T = TypeVar("_T")


class OrderIdTaken(Exception):
    """The order id already has a link that this request did not make."""


@dataclass(frozen=True)
class LinkPlan:
    """Everything decided before Midtrans is called: the effective terms and the derived identity."""

    payload: PaymentLinkPayload
    usage_limit: int
    expiry: LinkExpiry | None

    @property
    def order_id(self) -> str:
        return self.payload.transaction_details.order_id

    @property
    def payment_link_id(self) -> str:
        return self.payload.transaction_details.payment_link_id


def _digest(secret: str, *parts: str) -> bytes:
    # Parts never contain "\n" (tenant and conversation ids forbid whitespace; content is compact JSON with
    # newlines escaped), so joining with it is unambiguous.
    return hmac.new(secret.encode(), "\n".join(parts).encode(), hashlib.sha256).digest()


def _base32(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=")


def generated_order_id(secret: str, cid: str, conversation_id: str, content: str, prefix: str) -> str:
    """`<prefix>-` + 80 bits: at most 20 + 1 + 16 = 37 characters, inside Midtrans' 50 and its alphabet."""
    return f"{prefix}-{_base32(_digest(secret, 'mna.payment-link.order-id.v1', cid, conversation_id, content)[:10])}"


def payment_link_id_for(secret: str, cid: str, conversation_id: str, order_id: str, content: str) -> str:
    """The URL slug: 160 bits in Midtrans' `[a-z0-9-]` alphabet, 36 characters."""
    raw = _digest(secret, "mna.payment-link.id.v1", cid, conversation_id, order_id, content)[:20]
    return f"mna-{_base32(raw).lower()}"


def plan_link(
    request: CreatePaymentLinkRequest,
    caller: Caller,
    credentials: MidtransCredentials,
    defaults: PaymentLinkDefaults | None,
) -> LinkPlan:
    """Fill what the conversation left out from the admin's defaults (the conversation wins), then derive ids."""
    defaults = defaults or PaymentLinkDefaults()
    usage_limit = _first(request.usage_limit, defaults.usage_limit) or DEFAULT_USAGE_LIMIT
    expiry = _first(request.expiry, defaults.expiry)
    enabled = _first(request.enabled_payments, defaults.enabled_payments)
    gross = request.transaction_details.gross_amount
    terms = {
        "gross_amount": gross,
        "item_details": [item.model_dump(mode="json", exclude_none=True) for item in request.item_details or []],
        "customer_details": request.customer_details.model_dump(mode="json", exclude_none=True)
        if request.customer_details
        else None,
        "usage_limit": usage_limit,
        "expiry": expiry.model_dump(mode="json") if expiry else None,
        "enabled_payments": enabled,
    }
    content = json.dumps(terms, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    secret = credentials.server_key.get_secret_value()
    order_id = request.transaction_details.order_id or generated_order_id(
        secret, caller.cid, request.conversation_id, content, defaults.order_id_prefix or DEFAULT_ORDER_ID_PREFIX
    )
    link_id = payment_link_id_for(secret, caller.cid, request.conversation_id, order_id, content)
    payload = PaymentLinkPayload(
        transaction_details=WireTransactionDetails(order_id=order_id, gross_amount=gross, payment_link_id=link_id),
        usage_limit=usage_limit,
        item_details=list(request.item_details) if request.item_details else None,
        customer_details=request.customer_details,
        expiry=expiry,
        enabled_payments=list(enabled) if enabled else None,
    )
    return LinkPlan(payload=payload, usage_limit=usage_limit, expiry=expiry)


def _first(*values: _T | None) -> _T | None:
    return next((value for value in values if value is not None), None)


def create_payment_link(
    request: CreatePaymentLinkRequest,
    caller: Caller,
    *,
    connections: CredentialsSource,
    links: PaymentLinkFactory,
    defaults: PaymentLinkDefaults | None,
) -> CreatePaymentLinkResponse:
    locale = request.locale
    credentials = load_credentials(connections, caller, locale)
    plan = plan_link(request, caller, credentials, defaults)
    telemetry = ActionTelemetry(
        ACTION_TYPE, cid=caller.cid, conversation_id=request.conversation_id, order_id=plan.order_id
    )
    telemetry.executed()
    try:
        link, replayed = _create_or_find(links(credentials), plan)
    except OrderIdTaken:
        # Midtrans answered correctly and the agent can fix it: not a failure of the action (D7's reasoning).
        telemetry.succeeded(response_status="409", outcome="order_id_taken")
        raise RequestRefused(409, "order_id_taken", render_link(LinkMsg.ORDER_ID_TAKEN, locale)) from None
    except MidtransError as exc:
        telemetry.failed(exc.failure_reason, exc.detail)
        return CreatePaymentLinkResponse(
            outcome="failed",
            message=render(_failure_copy(exc.failure_reason), locale),
            locale=locale,
            failure_reason=exc.failure_reason,
            retry_after_seconds=exc.retry_after_seconds,
            channel_type=request.channel_type,
            order_id=plan.order_id,
        )

    telemetry.succeeded(response_status="409" if replayed else "200", outcome="ok")
    # Logged for replays too (flagged): when the first answer was lost, the link was made by an attempt
    # whose caller never saw it, and this is the only record of it. Consumers count by payment_link_id.
    _log_created(link, request, caller, replayed=replayed)
    if not replayed:  # a replay is the same link again: the dashboard counts links, not answers
        count_payment_link_created(request.channel_type)
    validity = valid_for(plan.expiry.duration, plan.expiry.unit, locale) if plan.expiry else ""
    gross = plan.payload.transaction_details.gross_amount
    return CreatePaymentLinkResponse(
        outcome="ok",
        message=text_with_link(plan.order_id, gross, validity, link.url, locale),
        locale=locale,
        channel_type=request.channel_type,
        order_id=plan.order_id,
        payment_url=link.url,
        payment_link_id=link.payment_link_id,
        gross_amount=gross,
        usage_limit=plan.usage_limit,
        expiry=plan.expiry,
        delivery=delivery_for(request.channel_type, plan.order_id, gross, validity, link.url, locale),
        replayed=replayed,
    )


def _create_or_find(client: PaymentLinkClient, plan: LinkPlan) -> tuple[PaymentLink, bool]:
    """The new link, or the one an identical earlier request made (True). OrderIdTaken for anyone else's."""
    try:
        return client.create(plan.payload), False
    except PaymentLinkConflict:
        pass
    try:
        existing = client.get(plan.order_id)
    except PaymentLinkNotFound:
        raise OrderIdTaken from None  # taken by a link that was since deactivated: still not ours to reuse
    if existing.payment_link_id != plan.payment_link_id:
        raise OrderIdTaken
    return existing, True


def _failure_copy(reason: FailureReason) -> Msg:
    if reason == "rate_limited":
        return Msg.RATE_LIMITED
    if reason in {"invalid_request", "auth_error"}:
        return Msg.LINK_INVALID  # trying again will not help: support has to look
    return Msg.LINK_TIMEOUT  # timeout, api_error: a later try may work


def delivery_for(
    channel_type: str, order_id: str, amount: int, validity: str, url: str, locale: Locale
) -> WhatsAppCtaUrlDelivery | TextDelivery:
    if channel_type == WHATSAPP:
        return WhatsAppCtaUrlDelivery(
            interactive=CtaUrlInteractive(
                body=InteractiveBody(text=whatsapp_body(order_id, amount, validity, locale)),
                action=CtaUrlAction(parameters=CtaUrlParameters(display_text=button_label(locale), url=url)),
            )
        )
    return TextDelivery(text=TextBody(body=text_with_link(order_id, amount, validity, url, locale)))


def _log_created(link: PaymentLink, request: CreatePaymentLinkRequest, caller: Caller, *, replayed: bool) -> None:
    logger.info(
        "midtrans_payment_link_created",
        extra={
            "event": "midtrans_payment_link_created",
            "action_type": ACTION_TYPE,
            "payment_link_url": link.url,
            "payment_link_id": link.payment_link_id,
            "channel_type": request.channel_type,
            "cid": caller.cid,
            "conversation_id": request.conversation_id,
            "order_id": link.order_id,
            "replayed": replayed,
            "timestamp": datetime.now(UTC).isoformat(),
        },
    )
