"""Payment-link request validation: every rule is checked before Midtrans, and says which field and why."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from midtrans_native.models.payment_links import (
    MAX_ITEMS,
    CreatePaymentLinkRequest,
    PaymentLinkDefaults,
    utf16_length,
)

BASE: dict[str, Any] = {
    "conversation_id": "conv-1",
    "channel_type": "whatsapp",
    "transaction_details": {"order_id": "ORDER-1", "gross_amount": 150000},
}


def with_(**fields: Any) -> dict[str, Any]:
    return {**BASE, **fields}


def details(**fields: Any) -> dict[str, Any]:
    return with_(transaction_details={**BASE["transaction_details"], **fields})


def item(name: str = "Coffee", price: Any = 150000, quantity: Any = 1, **extra: Any) -> dict[str, Any]:
    return {"name": name, "price": price, "quantity": quantity, **extra}


def problems(body: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as raised:
        CreatePaymentLinkRequest.model_validate(body)
    return [(".".join(str(part) for part in error["loc"]), error["msg"]) for error in raised.value.errors()]


def test_a_minimal_request_is_valid_and_optional_fields_stay_empty() -> None:
    request = CreatePaymentLinkRequest.model_validate(BASE)
    assert (request.transaction_details.gross_amount, request.locale) == (150000, "en")
    assert request.item_details is request.expiry is request.usage_limit is request.enabled_payments is None


@pytest.mark.parametrize("gross", [0, -5, 150000.5, "150000", True, None, 10**12])
def test_gross_amount_must_be_a_positive_whole_number_of_rupiah(gross: Any) -> None:
    [(field, message)] = problems(details(gross_amount=gross))
    assert field == "transaction_details.gross_amount"
    assert message.startswith("must be a whole number from 1 to")


def test_items_must_add_up_to_the_gross_amount() -> None:
    body = with_(item_details=[item(price=50000, quantity=2), item("Grinder", price=40000)])
    assert problems(body) == [
        (
            "item_details",
            "the items add up to 140000 (price * quantity) but transaction_details.gross_amount is 150000; "
            "they must be equal",
        )
    ]


def test_items_that_add_up_are_accepted() -> None:
    body = with_(item_details=[item(price=50000, quantity=2), item("Grinder", price=50000)])
    request = CreatePaymentLinkRequest.model_validate(body)
    assert [i.name for i in request.item_details or []] == ["Coffee", "Grinder"]


def test_a_negative_line_cannot_fake_a_total() -> None:
    body = details(gross_amount=10000)
    body["item_details"] = [item("Laptop", price=15_000_000), item("Discount", price=-14_990_000)]
    [(field, message)] = problems(body)
    assert field == "item_details.1.price"
    assert "no negative or zero lines" in message


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2", 10_001])
def test_quantity_is_a_whole_number_from_one(quantity: Any) -> None:
    [(field, _)] = problems(with_(item_details=[item(quantity=quantity)]))
    assert field == "item_details.0.quantity"


def test_a_huge_item_list_is_one_error_about_its_size() -> None:
    assert problems(with_(item_details=[item(price=-1)] * 100_000)) == [
        ("item_details", f"must hold at most {MAX_ITEMS} items")
    ]


def test_an_empty_item_list_means_no_items() -> None:
    assert CreatePaymentLinkRequest.model_validate(with_(item_details=[])).item_details is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("N" * 51, "must be at most 50 characters (Midtrans' limit)"),
        ("é" * 51, "must be at most 50 characters (Midtrans' limit)"),
        # 26 emoji are 26 code points but 52 UTF-16 units, which is what Midtrans (JVM) counts.
        (
            "😀" * 26,
            "must be at most 50 characters (Midtrans' limit), or 25 when it contains an emoji or another character "
            "outside the Basic Multilingual Plane (Midtrans counts those twice)",
        ),
        ("<script>alert(1)</script>", "must not contain '<' or '>' (no HTML)"),
        ('<a href="https://evil.example">gift</a>', "must not contain '<' or '>' (no HTML)"),
        ("line\nbreak", "must not contain line breaks or control characters"),
        ("   ", "must not be empty"),
    ],
)
def test_item_names_are_plain_short_text(name: str, message: str) -> None:
    assert problems(with_(item_details=[item(name)])) == [("item_details.0.name", message)]


def test_a_unicode_name_inside_the_limit_is_kept_as_sent() -> None:
    name = "Kopi Gayo ☕ " + "é" * 30
    request = CreatePaymentLinkRequest.model_validate(with_(item_details=[item(name)]))
    assert (request.item_details or [])[0].name == name.strip()


@given(st.text(min_size=1, max_size=80))
def test_utf16_length_counts_astral_characters_twice(text: str) -> None:
    astral = sum(1 for char in text if ord(char) > 0xFFFF)
    assert utf16_length(text) == len(text) + astral


@pytest.mark.parametrize("order_id", ["ORDER/1", "A" * 51, "..", "order id", "ordér"])
def test_order_id_uses_midtrans_alphabet_and_length(order_id: str) -> None:
    [(field, message)] = problems(details(order_id=order_id))
    assert field == "transaction_details.order_id" and "order_id" in message


@pytest.mark.parametrize("order_id", [None, "", "  "])
def test_no_order_id_means_generate_one(order_id: str | None) -> None:
    assert CreatePaymentLinkRequest.model_validate(details(order_id=order_id)).transaction_details.order_id is None


def test_enabled_payments_only_from_midtrans_list_and_deduplicated() -> None:
    [(field, _)] = problems(with_(enabled_payments=["gopay", "cash"]))
    assert field == "enabled_payments.1"
    request = CreatePaymentLinkRequest.model_validate(with_(enabled_payments=["gopay", "bca_va", "gopay"]))
    assert request.enabled_payments == ["gopay", "bca_va"]
    assert problems(with_(enabled_payments=[]))[0][0] == "enabled_payments"


@pytest.mark.parametrize(
    ("unit", "expected"), [("day", "day"), ("days", "day"), ("hours", "hour"), ("minute", "minute")]
)
def test_expiry_units_midtrans_accepts(unit: str, expected: str) -> None:
    request = CreatePaymentLinkRequest.model_validate(with_(expiry={"duration": 2, "unit": unit}))
    assert request.expiry is not None and (request.expiry.duration, request.expiry.unit) == (2, expected)


@pytest.mark.parametrize(
    ("expiry", "field"),
    [
        ({"duration": 2, "unit": "week"}, "expiry.unit"),
        ({"duration": 0, "unit": "day"}, "expiry.duration"),
        ({"duration": 1.5, "unit": "day"}, "expiry.duration"),
        ({"duration": 366, "unit": "day"}, "expiry"),
        ({"duration": 2, "unit": "day", "start_time": "2026-01-01 00:00:00 +0700"}, "expiry.start_time"),
    ],
)
def test_expiry_refusals_name_the_field(expiry: dict[str, Any], field: str) -> None:
    assert problems(with_(expiry=expiry))[0][0] == field


@pytest.mark.parametrize("usage_limit", [0, 1_000_001, 1.5, "1"])
def test_usage_limit_between_one_and_a_million(usage_limit: Any) -> None:
    assert problems(with_(usage_limit=usage_limit))[0][0] == "usage_limit"


@pytest.mark.parametrize(
    ("customer", "field"),
    [
        ({"email": "not-an-email"}, "customer_details.email"),
        ({"email": "a@b"}, "customer_details.email"),
        ({"email": "x" * 45 + "@example.com"}, "customer_details.email"),
        ({"phone": "call me"}, "customer_details.phone"),
        ({"phone": "+62 812"}, "customer_details.phone"),
        ({"first_name": "<b>Budi</b>"}, "customer_details.first_name"),
        ({"last_name": "Santoso"}, "customer_details"),
        ({"first_name": "Budi", "ssn": "1"}, "customer_details.ssn"),
    ],
)
def test_customer_details_shapes(customer: dict[str, Any], field: str) -> None:
    assert problems(with_(customer_details=customer))[0][0] == field


def test_phone_separators_are_removed() -> None:
    request = CreatePaymentLinkRequest.model_validate(with_(customer_details={"phone": "+62 812-3456 (789)"}))
    assert request.customer_details is not None and request.customer_details.phone == "+628123456789"


@pytest.mark.parametrize(
    ("channel", "expected"), [("whatsapp", "whatsapp"), (" WhatsApp ", "whatsapp"), ("web_chat", "web_chat")]
)
def test_channel_type_is_normalised(channel: str, expected: str) -> None:
    assert CreatePaymentLinkRequest.model_validate(with_(channel_type=channel)).channel_type == expected


@pytest.mark.parametrize("channel", ["", "web chat", "<script>", "x" * 33, 7])
def test_channel_type_refusals(channel: Any) -> None:
    assert problems(with_(channel_type=channel))[0][0] == "channel_type"


@pytest.mark.parametrize("smuggled", ["cid", "tenant_id", "role", "payment_link_id"])
def test_unknown_fields_are_refused(smuggled: str) -> None:
    assert problems(with_(**{smuggled: "x"}))[0] == (smuggled, "Extra inputs are not permitted")


def test_defaults_validate_like_the_request() -> None:
    defaults = PaymentLinkDefaults.model_validate(
        {
            "usage_limit": 3,
            "expiry": {"duration": 1, "unit": "days"},
            "enabled_payments": ["gopay"],
            "order_id_prefix": "SHOP-1",
        }
    )
    assert (defaults.usage_limit, defaults.order_id_prefix) == (3, "SHOP-1")
    assert defaults.expiry is not None and defaults.expiry.unit == "day"
    for prefix in ["", "A" * 21, "SHOP/1", "..", "toko baju"]:
        with pytest.raises(ValidationError, match="order_id_prefix"):
            PaymentLinkDefaults.model_validate({"order_id_prefix": prefix})
    with pytest.raises(ValidationError, match="enabled_payments"):
        PaymentLinkDefaults.model_validate({"enabled_payments": ["cash"]})
