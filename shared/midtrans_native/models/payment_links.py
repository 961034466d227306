"""Payment links: the agent's request, the admin's defaults, and the answer with its ready-to-send `delivery`.

Requests forbid unknown fields (tenant and role come only from the token). Every rule Midtrans enforces on a
payment link (docs/midtrans-behaviour.md §8, §9) is checked here, plus the ones that keep hostile input away from it: no
negative prices to fake a total, no markup in names, bounded lists. Errors carry a type and a message an agent
can repeat ("item_details.0.name: must be at most 50 characters"); the input is never echoed.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from midtrans_native.models.api import AgentRequest, AgentResponse, ContextBody, ToolArguments
from midtrans_native.models.common import OptionalOrderId

# ---- field types --------------------------------------------------------------------------------

MAX_RUPIAH = 999_999_999_999
MAX_ITEMS = 50  # Midtrans publishes no limit; a chat checkout never needs more, and it bounds the work
MAX_QUANTITY = 10_000
MAX_USAGE_LIMIT = 1_000_000  # Midtrans' own ceiling
# Midtrans' list (docs/midtrans-behaviour.md §8); anything else is refused by Midtrans, so it is refused here first.
PAYMENT_METHODS = (
    "credit_card", "echannel", "permata_va", "bca_va", "bni_va", "bri_va", "cimb_va", "danamon_va",
    "bsi_va", "gopay", "shopeepay", "other_qris", "alfamart", "indomaret", "akulaku", "kredivo",
)  # fmt: skip
PaymentMethod = Literal[
    "credit_card", "echannel", "permata_va", "bca_va", "bni_va", "bri_va", "cimb_va", "danamon_va",
    "bsi_va", "gopay", "shopeepay", "other_qris", "alfamart", "indomaret", "akulaku", "kredivo",
]  # fmt: skip
ExpiryUnit = Literal["day", "hour", "minute"]
# At most a year, whatever the unit: a chat payment link that outlives that is a mistake.
MAX_EXPIRY = {"day": 365, "hour": 365 * 24, "minute": 365 * 24 * 60}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PHONE = re.compile(r"\+?[0-9]{6,19}")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
# Deliberately plain: one @, a dot in the domain, no spaces or markup. Midtrans e-mails the link to it.
_EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"'.]+")
_CHANNEL = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_PREFIX = re.compile(r"[A-Za-z0-9\-_~.]{1,20}")


def utf16_length(value: str) -> int:
    """Midtrans runs on the JVM, where a string's length is counted in UTF-16 units: an emoji is 2. Counting
    the same way means a name we accept is never "too long" at Midtrans."""
    return len(value.encode("utf-16-le")) // 2


def _plain_text(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        value = value.strip()
        if not value:
            raise PydanticCustomError("text_empty", "must not be empty")
        if _CONTROL.search(value):
            raise PydanticCustomError("text_control", "must not contain line breaks or control characters")
        # These names reach a hosted payment page, an e-mail and a chat bubble: refuse markup outright.
        if "<" in value or ">" in value:
            raise PydanticCustomError("text_markup", "must not contain '<' or '>' (no HTML)")
        if utf16_length(value) > limit:
            raise PydanticCustomError(
                "text_too_long", "must be at most {limit} characters (Midtrans' limit)", {"limit": limit}
            )
        return value

    return AfterValidator(check)


def _phone(value: object) -> object:
    if not isinstance(value, str):
        return value
    compact = _PHONE_SEPARATORS.sub("", value)
    if not _PHONE.fullmatch(compact):
        raise PydanticCustomError(
            "phone_format", "must be a phone number: digits with an optional leading '+', 6 to 20 characters"
        )
    return compact


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 50 or not _EMAIL.fullmatch(value):
        raise PydanticCustomError(
            "email_format", "must be an e-mail address like name@example.com, at most 50 characters"
        )
    return value


def _channel(value: object) -> object:
    if not isinstance(value, str):
        return value
    value = value.strip().lower()
    if not _CHANNEL.fullmatch(value):
        raise PydanticCustomError(
            "channel_type_format", "must be a channel name such as 'whatsapp' or 'web_chat' (a-z, 0-9, _ or -)"
        )
    return value


def _unit(value: object) -> object:
    # Midtrans' field table says day/hour/minute, its sample sends "days" (docs/midtrans-behaviour.md §8): accept both.
    if isinstance(value, str):
        value = value.strip().lower()
        return value[:-1] if value in {"days", "hours", "minutes"} else value
    return value


def _unique_methods(value: list[str]) -> list[str]:
    return list(dict.fromkeys(value))


def _prefix(value: str) -> str:
    if not _PREFIX.fullmatch(value) or set(value) == {"."}:
        raise PydanticCustomError(
            "order_id_prefix_format", "must be 1 to 20 characters: letters, digits, '-', '_', '~' or '.'"
        )
    return value


def _whole(low: int, high: int, hint: str = "") -> BeforeValidator:
    """Strict whole numbers with a message an agent can act on (pydantic's own says "greater than or equal
    to 1"). Floats, strings and booleans are refused, even 150000.0: amounts are whole rupiah."""

    def check(value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise PydanticCustomError(
                "whole_number",
                "must be a whole number from {low} to {high}{hint}",
                {"low": low, "high": high, "hint": hint},
            )
        return value

    return BeforeValidator(check)


Rupiah = Annotated[
    int, _whole(1, MAX_RUPIAH, " (rupiah, no decimals)"), Field(gt=0, le=MAX_RUPIAH, description="Whole rupiah")
]
ItemPrice = Annotated[
    int,
    # Midtrans accepts negative discount lines; here they could fake a total, so discounts go into the price.
    _whole(1, MAX_RUPIAH, " (rupiah per unit; no negative or zero lines: put discounts into the price)"),
    Field(gt=0, le=MAX_RUPIAH, description="Whole rupiah per unit; discounts go into the price"),
]
Quantity = Annotated[int, _whole(1, MAX_QUANTITY), Field(ge=1, le=MAX_QUANTITY)]
Name50 = Annotated[str, _plain_text(50)]
ChannelType = Annotated[
    str,
    BeforeValidator(_channel),
    Field(description="'whatsapp' gets a WhatsApp cta_url message; any other channel a text with the link"),
]
UsageLimit = Annotated[
    int, _whole(1, MAX_USAGE_LIMIT), Field(ge=1, le=MAX_USAGE_LIMIT, description="Successful payments allowed")
]
EnabledPayments = Annotated[
    list[PaymentMethod], Field(min_length=1, max_length=len(PAYMENT_METHODS)), AfterValidator(_unique_methods)
]
OrderIdPrefix = Annotated[str, AfterValidator(_prefix)]


# ---- request pieces -----------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LinkExpiry(_Strict):
    duration: Annotated[int, _whole(1, MAX_EXPIRY["minute"]), Field(ge=1)]
    unit: Annotated[ExpiryUnit, BeforeValidator(_unit)]

    @model_validator(mode="after")
    def _at_most_a_year(self) -> LinkExpiry:
        limit = MAX_EXPIRY[self.unit]
        if self.duration > limit:
            raise PydanticCustomError(
                "expiry_too_long",
                "duration must be at most {limit} {unit}s (one year)",
                {"limit": limit, "unit": self.unit},
            )
        return self


class TransactionDetails(_Strict):
    order_id: OptionalOrderId = Field(default=None, description="Absent: generated from the configured prefix")
    gross_amount: Rupiah


class ItemDetail(_Strict):
    id: Name50 | None = None
    name: Name50
    price: ItemPrice
    quantity: Quantity
    brand: Name50 | None = None
    category: Name50 | None = None
    merchant_name: Name50 | None = None


def _bounded_items(value: object) -> object:
    # Checked before any item is validated: a list of 100,000 items costs one comparison, not 100,000 errors.
    if isinstance(value, list):
        if not value:
            return None  # agents send [] for "no items"
        if len(value) > MAX_ITEMS:
            raise PydanticCustomError("too_many_items", "must hold at most {limit} items", {"limit": MAX_ITEMS})
    return value


class CustomerDetails(_Strict):
    first_name: Name50 | None = None
    last_name: Name50 | None = None
    email: Annotated[str, AfterValidator(_email)] | None = None
    phone: Annotated[str, BeforeValidator(_phone)] | None = None
    notes: Annotated[str, _plain_text(255)] | None = None

    @model_validator(mode="after")
    def _someone(self) -> CustomerDetails:
        if not (self.first_name or self.email or self.phone):
            raise PydanticCustomError("customer_incomplete", "give at least one of first_name, email or phone")
        return self


class PaymentLinkArguments(ToolArguments):
    transaction_details: TransactionDetails
    item_details: Annotated[list[ItemDetail] | None, BeforeValidator(_bounded_items)] = Field(
        default=None, description=f"At most {MAX_ITEMS}; the sum of price * quantity must equal gross_amount"
    )
    customer_details: CustomerDetails | None = None
    usage_limit: UsageLimit | None = Field(default=None, description="Absent: the admin's default, else 1")
    expiry: LinkExpiry | None = Field(default=None, description="Absent: the admin's default, else Midtrans'")
    enabled_payments: EnabledPayments | None = Field(default=None, description="Absent: the admin's default, else all")

    @field_validator("item_details")
    @classmethod
    def _items_add_up(cls, items: list[ItemDetail] | None, info: ValidationInfo) -> list[ItemDetail] | None:
        details = info.data.get("transaction_details")  # absent when it failed validation itself
        if items is None or not isinstance(details, TransactionDetails):
            return items
        total = sum(item.price * item.quantity for item in items)
        if total != details.gross_amount:
            raise PydanticCustomError(
                "item_total_mismatch",
                "the items add up to {total} (price * quantity) but transaction_details.gross_amount is {gross}; "
                "they must be equal",
                {"total": total, "gross": details.gross_amount},
            )
        return items


class PaymentLinkBody(PaymentLinkArguments, ContextBody):
    channel_type: ChannelType | None = Field(
        default=None,
        description="Deprecated in the body: send the X-Channel-Type header. 'whatsapp' gets a WhatsApp cta_url "
        "message; any other channel a text with the link",
    )


class CreatePaymentLinkRequest(PaymentLinkArguments, AgentRequest):
    channel_type: ChannelType


class PaymentLinkDefaults(_Strict):
    """What the admin configured for this action; the conversation's values win where both are given."""

    usage_limit: UsageLimit | None = None
    expiry: LinkExpiry | None = None
    enabled_payments: EnabledPayments | None = None
    order_id_prefix: OrderIdPrefix | None = Field(default=None, description="Generated order ids start with it")


# ---- the answer ---------------------------------------------------------------------------------


class CtaUrlParameters(BaseModel):
    display_text: str = Field(max_length=20, description="The button label (WhatsApp: at most 20 characters)")
    url: str


class CtaUrlAction(BaseModel):
    name: Literal["cta_url"] = "cta_url"
    parameters: CtaUrlParameters


class InteractiveBody(BaseModel):
    text: str = Field(max_length=1024, description="WhatsApp: at most 1024 characters")


class CtaUrlInteractive(BaseModel):
    type: Literal["cta_url"] = "cta_url"
    body: InteractiveBody
    action: CtaUrlAction


class WhatsAppCtaUrlDelivery(BaseModel):
    """A WhatsApp Cloud API interactive CTA URL message; the platform adds messaging_product and to."""

    type: Literal["interactive"] = "interactive"
    interactive: CtaUrlInteractive


class TextBody(BaseModel):
    body: str = Field(max_length=4096, description="The message, with the payment URL in it")
    preview_url: bool = True


class TextDelivery(BaseModel):
    """A plain text message carrying the clickable link (the shape of a WhatsApp Cloud API text message)."""

    type: Literal["text"] = "text"
    text: TextBody


Delivery = Annotated[WhatsAppCtaUrlDelivery | TextDelivery, Field(discriminator="type")]


class CreatePaymentLinkResponse(AgentResponse):
    outcome: Literal["ok", "failed"]
    channel_type: str
    order_id: str | None = None
    payment_url: str | None = None
    payment_link_id: str | None = Field(default=None, description="Midtrans' id of the link (the URL's last part)")
    gross_amount: int | None = None
    usage_limit: int | None = None
    expiry: LinkExpiry | None = None
    delivery: Delivery | None = Field(default=None, description="Send unchanged on channel_type; absent if failed")
    replayed: bool = Field(default=False, description="True when an identical earlier request had created this link")
