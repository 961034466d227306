"""Midtrans' payment notifications as received, the answers we give them, and the events published for the
platform (docs/decisions.md D31). Notifications are read non-strictly: Midtrans adds fields over time."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from midtrans_native.models.common import DeferredModel, Locale

EventType = Literal[
    "payment_received", "payment_failed", "payment_expired", "cancelled", "refund_completed", "partial_refund"
]
NotificationOutcome = Literal["accepted", "duplicate"]


class NotificationAnswer(DeferredModel):
    """What Midtrans gets back (any 2xx ends its retries)."""

    outcome: NotificationOutcome = Field(
        description="accepted: verified, re-read and processed; duplicate: this order's state was processed before"
    )
    event_type: EventType | None = Field(default=None, description="The event published, if the change meant one")


class BiSnapNotificationAnswer(DeferredModel):
    """The BI-SNAP envelope Midtrans expects back from a BI-SNAP notification."""

    model_config = ConfigDict(populate_by_name=True)

    response_code: str = Field(alias="responseCode", description="2005600 (debit) / 2005200 (QRIS MPM) when taken")
    response_message: str = Field(alias="responseMessage")


class PlatformEvent(DeferredModel):
    """The `detail` of every event on the platform's bus (source `midtrans-native`, detail-type = `event_type`)."""

    event_id: str = Field(description="Stable per (tenant, order, state): a repeat delivery carries the same id")
    event_type: EventType
    cid: str = Field(description="The tenant")
    order_id: str = Field(description="The order Midtrans notified about (a link purchase's may carry a suffix)")
    link_order_id: str | None = Field(default=None, description="The payment link's order_id, for a link purchase")
    transaction_id: str | None = None
    conversation_id: str | None = Field(
        default=None, description="The conversation that sent the link or prompted the cancel/refund, when known"
    )
    channel_type: str | None = None
    locale: Locale = Field(description="The conversation's locale (en when no conversation is known)")
    message: str = Field(description="Customer-ready, in `locale`")
    messages: dict[Locale, str] = Field(description="The same message in every supported locale")
    transaction_status: str = Field(description="As Midtrans' status API reports it (the notification is a hint)")
    payment_type: str | None = None
    gross_amount: int = Field(description="Whole rupiah")
    refunded_amount: int | None = Field(default=None, description="Total refunded so far (refund events)")
    occurred_at: str = Field(description="When the notification was processed (ISO-8601, UTC)")
