"""Payment links: the agent's request, the admin's defaults, and the answer with its ready-to-send `delivery`.

Requests forbid unknown fields (tenant and role come only from the token). Every rule Midtrans enforces on a
payment link (docs/midtrans-behaviour.md §8, §9) is checked here, plus the ones that keep hostile input away from it: no
negative prices to fake a total, no markup in names, bounded lists. Errors carry a type and a message an agent
can repeat ("item_details.0.name: must be at most 50 characters"); the input is never echoed.

Each rule is also in the JSON Schema (see `models.common`), except the one JSON Schema cannot state: the items'
prices times quantities must add up to `gross_amount` (said in the field's description).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, NamedTuple

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.config import JsonValue
from pydantic_core import PydanticCustomError

from midtrans_native.models.api import AgentRequest, AgentResponse, ContextBody, ToolArguments
from midtrans_native.models.common import (
    ORDER_ID_PATTERN,
    WHITESPACE,
    ChannelType,
    DeferredModel,
    OptionalOrderId,
    SchemaExtra,
    whole_number,
)

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
# Midtrans' field table says day/hour/minute, its sample sends "days" (docs/midtrans-behaviour.md §8): both are taken.
EXPIRY_UNITS = ("day", "hour", "minute", "days", "hours", "minutes")
# At most a year, whatever the unit: a chat payment link that outlives that is a mistake.
MAX_EXPIRY = {"day": 365, "hour": 365 * 24, "minute": 365 * 24 * 60}

_NOT_TEXT = "\\x00-\\x1f\\x7f<>"  # control characters, and markup
# Plain text: no control character, no '<' or '>', and something that is not whitespace.
PLAIN_TEXT_PATTERN = f"^[^{_NOT_TEXT}]*[^{_NOT_TEXT}{WHITESPACE}][^{_NOT_TEXT}]*$"
_BMP_ONLY = r"^[\u0000-\uffff]*$"  # no character outside the Basic Multilingual Plane
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PHONE_SEPARATOR = f"[{WHITESPACE}\\-().]"
# A phone number: an optional leading '+' and 6 to 19 digits, with spaces, '-', '(', ')' or '.' anywhere around them.
PHONE_PATTERN = f"^{_PHONE_SEPARATOR}*\\+?(?:{_PHONE_SEPARATOR}*[0-9]){{6,19}}{_PHONE_SEPARATOR}*$"
_PHONE = re.compile(PHONE_PATTERN)
_PHONE_SEPARATORS = re.compile(_PHONE_SEPARATOR)
# Deliberately plain: one @, a dot in the domain, no spaces, control characters or markup. Midtrans e-mails the link.
_EMAIL_PART = f"[^@<>\"'{WHITESPACE}\\x00-\\x1f\\x7f"
EMAIL_PATTERN = f"^{_EMAIL_PART}]+@{_EMAIL_PART}]+\\.{_EMAIL_PART}.]+$"
_EMAIL = re.compile(EMAIL_PATTERN)


def utf16_length(value: str) -> int:
    """Midtrans runs on the JVM, where a string's length is counted in UTF-16 units: an emoji is 2."""
    return len(value.encode("utf-16-le")) // 2


class _PlainText(NamedTuple):
    constraints: StringConstraints
    check: BeforeValidator
    schema: SchemaExtra
    strip: AfterValidator


def _plain_text(limit: int) -> _PlainText:
    """Text that reaches a hosted payment page, an e-mail and a chat bubble: no markup, no control characters, not
    blank, and short enough for Midtrans, which counts UTF-16 units (an emoji is 2): at most `limit` characters, or
    half that when one of them lies outside the Basic Multilingual Plane. That two-step rule is what a JSON Schema
    can state exactly (a maxLength, and an anyOf of "no such character" or "half the length"), and it never lets
    through a name Midtrans would find too long. Whitespace around the text is removed after the checks."""
    half = limit // 2

    def check(value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip():
            raise PydanticCustomError("text_empty", "must not be empty")
        if _CONTROL.search(value):
            raise PydanticCustomError("text_control", "must not contain line breaks or control characters")
        if "<" in value or ">" in value:
            raise PydanticCustomError("text_markup", "must not contain '<' or '>' (no HTML)")
        if len(value) > limit:
            raise PydanticCustomError(
                "text_too_long", "must be at most {limit} characters (Midtrans' limit)", {"limit": limit}
            )
        if len(value) > half and utf16_length(value) > len(value):
            raise PydanticCustomError(
                "text_too_long",
                "must be at most {limit} characters (Midtrans' limit), or {half} when it contains an emoji or "
                "another character outside the Basic Multilingual Plane (Midtrans counts those twice)",
                {"limit": limit, "half": half},
            )
        return value

    return _PlainText(
        StringConstraints(max_length=limit, pattern=PLAIN_TEXT_PATTERN),
        BeforeValidator(check),
        SchemaExtra({"anyOf": [{"pattern": _BMP_ONLY}, {"maxLength": half}]}),
        AfterValidator(str.strip),
    )


def _phone(value: object) -> object:
    if not isinstance(value, str):
        return value
    if not _PHONE.fullmatch(value):
        raise PydanticCustomError(
            "phone_format", "must be a phone number: digits with an optional leading '+', 6 to 20 characters"
        )
    return _PHONE_SEPARATORS.sub("", value)


def _email(value: object) -> object:
    if isinstance(value, str) and (len(value) > 50 or not _EMAIL.fullmatch(value)):
        raise PydanticCustomError(
            "email_format", "must be an e-mail address like name@example.com, at most 50 characters"
        )
    return value


def _unit(value: object) -> object:
    return value[:-1] if isinstance(value, str) and value in {"days", "hours", "minutes"} else value


def _unique_methods(value: list[str]) -> list[str]:
    return list(dict.fromkeys(value))


def _prefix(value: object) -> object:
    if isinstance(value, str) and (not re.fullmatch(ORDER_ID_PATTERN, value) or len(value) > 20):
        raise PydanticCustomError(
            "order_id_prefix_format", "must be 1 to 20 characters: letters, digits, '-', '_', '~' or '.'"
        )
    return value


def _whole(low: int, high: int, hint: str = "") -> BeforeValidator:
    """Whole numbers with a message an agent can act on (see `whole_number`)."""
    return whole_number(low, high, hint)


Rupiah = Annotated[
    int, Field(ge=1, le=MAX_RUPIAH, description="Whole rupiah"), _whole(1, MAX_RUPIAH, " (rupiah, no decimals)")
]
ItemPrice = Annotated[
    int,
    Field(ge=1, le=MAX_RUPIAH, description="Whole rupiah per unit; discounts go into the price"),
    # Midtrans accepts negative discount lines; here they could fake a total, so discounts go into the price.
    _whole(1, MAX_RUPIAH, " (rupiah per unit; no negative or zero lines: put discounts into the price)"),
]
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY), _whole(1, MAX_QUANTITY)]
_TEXT50 = _plain_text(50)
Name50 = Annotated[str, _TEXT50.constraints, _TEXT50.check, _TEXT50.schema, _TEXT50.strip]
_TEXT255 = _plain_text(255)
Notes = Annotated[str, _TEXT255.constraints, _TEXT255.check, _TEXT255.schema, _TEXT255.strip]
UsageLimit = Annotated[
    int,
    Field(ge=1, le=MAX_USAGE_LIMIT, description="Successful payments allowed"),
    _whole(1, MAX_USAGE_LIMIT),
]
EnabledPayments = Annotated[
    list[PaymentMethod], Field(min_length=1, max_length=len(PAYMENT_METHODS)), AfterValidator(_unique_methods)
]
OrderIdPrefix = Annotated[
    str, StringConstraints(min_length=1, max_length=20, pattern=ORDER_ID_PATTERN), BeforeValidator(_prefix)
]


# ---- request pieces -----------------------------------------------------------------------------


class _Strict(DeferredModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _expiry_tiers() -> list[JsonValue]:
    """The one-year ceiling per unit, for the schema (`_at_most_a_year` checks it)."""
    return [
        {"properties": {"unit": {"enum": [unit, f"{unit}s"]}, "duration": {"maximum": limit}}}
        for unit, limit in MAX_EXPIRY.items()
    ]


class LinkExpiry(_Strict):
    model_config = ConfigDict(json_schema_extra={"anyOf": _expiry_tiers()})

    duration: Annotated[int, Field(ge=1, le=MAX_EXPIRY["minute"]), _whole(1, MAX_EXPIRY["minute"])]
    unit: Annotated[ExpiryUnit, BeforeValidator(_unit), SchemaExtra({"enum": list(EXPIRY_UNITS)})]

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


# `_someone`, for the schema: at least one of them, not null.
_SOMEONE: list[JsonValue] = [
    {"required": [name], "properties": {name: {"type": "string"}}} for name in ("first_name", "email", "phone")
]


class CustomerDetails(_Strict):
    model_config = ConfigDict(json_schema_extra={"anyOf": _SOMEONE})

    first_name: Name50 | None = None
    last_name: Name50 | None = None
    email: Annotated[str, StringConstraints(max_length=50, pattern=EMAIL_PATTERN), BeforeValidator(_email)] | None = (
        None
    )
    phone: Annotated[str, StringConstraints(pattern=PHONE_PATTERN), BeforeValidator(_phone)] | None = None
    notes: Notes | None = None

    @model_validator(mode="after")
    def _someone(self) -> CustomerDetails:
        if not (self.first_name or self.email or self.phone):
            raise PydanticCustomError("customer_incomplete", "give at least one of first_name, email or phone")
        return self


class PaymentLinkArguments(ToolArguments):
    transaction_details: TransactionDetails
    item_details: Annotated[
        Annotated[list[ItemDetail], Field(max_length=MAX_ITEMS)] | None, BeforeValidator(_bounded_items)
    ] = Field(
        default=None,
        description=f"At most {MAX_ITEMS}; the sum of price * quantity must equal transaction_details.gross_amount",
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
        description="Deprecated in the body: send the X-Channel-Type header (when both are sent they must agree). "
        "'whatsapp' gets a WhatsApp cta_url message; any other channel a text with the link",
        json_schema_extra={"deprecated": True},
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


class CtaUrlParameters(DeferredModel):
    display_text: str = Field(max_length=20, description="The button label (WhatsApp: at most 20 characters)")
    url: str


class CtaUrlAction(DeferredModel):
    name: Literal["cta_url"] = "cta_url"
    parameters: CtaUrlParameters


class InteractiveBody(DeferredModel):
    text: str = Field(max_length=1024, description="WhatsApp: at most 1024 characters")


class CtaUrlInteractive(DeferredModel):
    type: Literal["cta_url"] = "cta_url"
    body: InteractiveBody
    action: CtaUrlAction


class WhatsAppCtaUrlDelivery(DeferredModel):
    """A WhatsApp Cloud API interactive CTA URL message; the platform adds messaging_product and to."""

    type: Literal["interactive"] = "interactive"
    interactive: CtaUrlInteractive


class TextBody(DeferredModel):
    body: str = Field(max_length=4096, description="The message, with the payment URL in it")
    preview_url: bool = True


class TextDelivery(DeferredModel):
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
