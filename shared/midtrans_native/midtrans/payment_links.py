"""Payment Link API (docs/midtrans-behaviour.md §8): create and read, over the shared transport. No delete:
links cannot be revoked through the agent (PRD).

Unlike Core API v2 this API answers with real HTTP statuses and `error_messages` (an array, except on 401
where it is a plain string), never a body `status_code`. So an HTTP status is evidence about a link only with
Midtrans' error body: a 409 or a 404 from a proxy or CDN (an HTML page, or JSON without `error_messages`) is an
API error, never "this order_id is taken" or "no such link".

Retrying the create is safe, so it goes through the transport as `idempotent=True` (429, 5xx, timeouts and
dropped connections are retried inside the deadline): the caller sends a deterministic `order_id` and
`payment_link_id`, so a second POST of a first one that did land cannot make a second link. Midtrans answers
it 409 (duplicate order_id), which `create` raises as `PaymentLinkConflict` for the caller to read the
existing link and decide whether it is its own.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from midtrans_native.errors import (
    MidtransApiError,
    MidtransAuthError,
    MidtransError,
    MidtransInvalidRequest,
    MidtransRateLimited,
)
from midtrans_native.midtrans.core_api import order_path
from midtrans_native.midtrans.transport import MidtransReply, MidtransTransport
from midtrans_native.models.payment_links import CustomerDetails, ItemDetail, LinkExpiry

CREATE_PATH = "/v1/payment-links"
_DETAIL_LIMIT = 300  # Midtrans' messages go to the log for operators; keep a hostile answer from flooding it


class PaymentLinkConflict(MidtransError):
    """A link with this order_id (or payment_link_id) already exists: it may be ours, from an earlier try."""

    failure_reason = "invalid_request"


class PaymentLinkNotFound(MidtransError):
    """GET found no (active) link with this order_id."""

    failure_reason = "invalid_request"


class WireTransactionDetails(BaseModel):
    model_config = ConfigDict(frozen=True)

    order_id: str
    gross_amount: int
    payment_link_id: str


class PaymentLinkPayload(BaseModel):
    """The body of POST /v1/payment-links. Item and customer models already carry Midtrans' field names."""

    model_config = ConfigDict(frozen=True)

    transaction_details: WireTransactionDetails
    usage_limit: int
    item_details: list[ItemDetail] | None = None
    customer_details: CustomerDetails | None = None
    expiry: LinkExpiry | None = None
    enabled_payments: list[str] | None = None

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class LinkPurchase(BaseModel):
    """One payment made through a link (GET's `purchases[]`): its order_id may be the link's plus a suffix
    (docs/midtrans-behaviour.md §12)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    order_id: str | None = None
    transaction_id: str | None = None
    payment_status: str | None = None


class PaymentLink(BaseModel):
    """A link as Midtrans knows it: what the agent needs to send it and support needs to find it."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    url: str
    payment_link_id: str | None
    purchases: tuple[LinkPurchase, ...] = ()


class _Created(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: str
    payment_url: str


class _Details(BaseModel):
    model_config = ConfigDict(extra="ignore")  # the GET answer has many fields, some undocumented

    order_id: str
    payment_link_url: str
    payment_link_id: str | None = None
    purchases: list[LinkPurchase] = Field(default_factory=list)


def error_messages(body: dict[str, Any] | None) -> list[str]:
    """`error_messages` as a list, whether Midtrans sent an array (400, 409) or a plain string (401)."""
    raw = body.get("error_messages") if body else None
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list):
        return [str(message) for message in raw]
    return []


def is_midtrans_error(body: dict[str, Any] | None) -> bool:
    """Midtrans' own error answer: `error_messages` (an array, or the 401 string). A Core-style `status_code` is
    taken too: the GET 404 body is undocumented, and both come from Midtrans' gateway."""
    if not body:
        return False
    return isinstance(body.get("error_messages"), str | list) or isinstance(body.get("status_code"), str)


def raise_for_link_failure(reply: MidtransReply, what: str) -> dict[str, Any]:
    """Map a Payment Link API reply to the shared error classes; return the body of a 2xx JSON answer."""
    status = reply.http_status
    messages = "; ".join(error_messages(reply.body))[:_DETAIL_LIMIT]
    detail = f"{what}: HTTP {status}" + (f": {messages}" if messages else "")
    if status == 401:
        raise MidtransAuthError(detail, http_status=status)
    if status == 429:
        raise MidtransRateLimited(detail, http_status=status, retry_after_seconds=reply.retry_after_seconds)
    if status >= 500:
        raise MidtransApiError(detail, http_status=status)
    if 400 <= status < 500:
        if not is_midtrans_error(reply.body):
            # A proxy's or CDN's 4xx says nothing about the request's data: "try later", not "support must look".
            raise MidtransApiError(f"{detail} without Midtrans' error body", http_status=status)
        raise MidtransInvalidRequest(detail, http_status=status)
    if not 200 <= status < 300:
        raise MidtransApiError(detail, http_status=status)
    if reply.body is None:
        raise MidtransApiError(f"{what}: HTTP {status} with a body that is not a JSON object", http_status=status)
    return reply.body


def _checked_url(url: str, what: str, http_status: int) -> str:
    """The URL goes to a customer as a button: accept only an absolute http(s) URL without spaces."""
    parts = urlsplit(url)
    if parts.scheme not in {"https", "http"} or not parts.netloc or any(c.isspace() for c in url):
        raise MidtransApiError(f"{what}: the answer's URL is not an http(s) URL", http_status=http_status)
    return url


def _link_id_of(url: str) -> str | None:
    """The hosted page is …/payment-links/<payment_link_id> (docs/midtrans-behaviour.md §1)."""
    tail = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return tail or None


class PaymentLinkClient:
    def __init__(self, transport: MidtransTransport) -> None:
        self._transport = transport

    def create(self, payload: PaymentLinkPayload) -> PaymentLink:
        """POST /v1/payment-links (retried when safe, see the module docstring)."""
        what = "create payment link"
        reply = self._transport.request("POST", CREATE_PATH, json=payload.body(), idempotent=True)
        taken = reply.http_status == 409 and is_midtrans_error(reply.body)
        if taken or _link_id_taken(reply, payload.transaction_details.payment_link_id):
            # Which of order_id or payment_link_id Midtrans checks first is undocumented; both mean "exists".
            raise PaymentLinkConflict(
                f"{what}: HTTP {reply.http_status}: the order_id or payment_link_id is taken",
                http_status=reply.http_status,
            )
        body = raise_for_link_failure(reply, what)
        try:
            created = _Created.model_validate(body)
        except ValidationError:
            raise MidtransApiError(f"{what}: no order_id/payment_url in the answer", http_status=200) from None
        url = _checked_url(created.payment_url, what, reply.http_status)
        return PaymentLink(order_id=created.order_id, url=url, payment_link_id=_link_id_of(url))

    def get(self, order_id: str) -> PaymentLink:
        """GET /v1/payment-links/{order_id}: a safe read, retried inside the deadline."""
        what = "get payment link"
        reply = self._transport.request("GET", f"{CREATE_PATH}/{order_path(order_id)}", idempotent=True)
        if reply.http_status == 404 and is_midtrans_error(reply.body):
            raise PaymentLinkNotFound(f"{what}: HTTP 404", http_status=404)
        body = raise_for_link_failure(reply, what)
        try:
            details = _Details.model_validate(body)
        except ValidationError:
            raise MidtransApiError(f"{what}: no order_id/payment_link_url in the answer", http_status=200) from None
        url = _checked_url(details.payment_link_url, what, reply.http_status)
        return PaymentLink(
            order_id=details.order_id,
            url=url,
            payment_link_id=details.payment_link_id or _link_id_of(url),
            purchases=tuple(details.purchases),
        )


def _link_id_taken(reply: MidtransReply, payment_link_id: str) -> bool:
    """400 "This Payment Link ID '<id>' has been taken" (docs/midtrans-behaviour.md §8) about the id this call sent."""
    if reply.http_status != 400:
        return False
    return any(payment_link_id in message and "taken" in message for message in error_messages(reply.body))
