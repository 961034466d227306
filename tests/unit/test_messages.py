"""The customer copy is a contract (docs/product-contract.md §9): English exact, Indonesian complete and consistent."""

from __future__ import annotations

import string

import pytest

from midtrans_native.messages import MESSAGES, Msg, format_rupiah, render

# docs/product-contract.md §9: the PRD copy, verbatim ([x] placeholders become {x}).
BRIEF_COPY = {
    Msg.STATUS_TIMEOUT: "I was unable to check your payment status. Please try again or contact support.",
    Msg.STATUS_NOT_FOUND: "I couldn't find a payment with that order ID. Please verify and try again.",
    Msg.LINK_TIMEOUT: "I was unable to generate a payment link. Please try again or contact support.",
    Msg.LINK_INVALID: "I was unable to create a payment link. Please contact support.",
    Msg.CANCEL_PROMPT: "Are you sure you want to cancel order {order_id}? This action cannot be undone.",
    Msg.CANCEL_DONE: "Your order {order_id} has been successfully cancelled.",
    Msg.CANCEL_NOT_ALLOWED: "This transaction cannot be cancelled — current status: {status}.",
    Msg.CANCEL_DECLINED: "Understood. Your order has not been cancelled — no changes were made.",
    Msg.CANCEL_TIMEOUT: "Unable to cancel your transaction. Please try again or contact support.",
    Msg.REFUND_PROMPT: "Are you sure you want to request a refund for order {order_id}? This action cannot be undone.",
    Msg.REFUND_DONE: "Your refund request for order {order_id} has been submitted successfully.",
    Msg.REFUND_NOT_ALLOWED: "This transaction is not eligible for a refund — current status: {status}.",
    Msg.REFUND_DECLINED: "Understood. No refund has been requested — no changes were made.",
    Msg.REFUND_TIMEOUT: "Unable to process your refund request. Please try again or contact support.",
    Msg.CONNECT_FAILED: "Connection failed. Check your credentials and try again.",
    Msg.SAVE_WITHOUT_CONNECTION: "Midtrans connection required before saving.",
}


@pytest.mark.parametrize("key", list(BRIEF_COPY))
def test_english_copy_is_the_brief_verbatim(key: Msg) -> None:
    assert MESSAGES[key]["en"] == BRIEF_COPY[key]


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", list(Msg))
def test_every_message_exists_in_both_locales_with_the_same_placeholders(key: Msg) -> None:
    english, indonesian = MESSAGES[key]["en"], MESSAGES[key]["id"]
    assert (indonesian and indonesian != english) or key in {Msg.CONNECTED}
    assert _placeholders(english) == _placeholders(indonesian)


def test_render_fills_placeholders() -> None:
    assert render(Msg.CANCEL_DONE, "id", order_id="A-1") == "Pesanan A-1 Anda telah berhasil dibatalkan."


@pytest.mark.parametrize(
    ("amount", "locale", "expected"),
    [(150000, "en", "IDR 150,000"), (150000, "id", "Rp150.000"), (1_250_000, "id", "Rp1.250.000"), (0, "en", "IDR 0")],
)
def test_rupiah_formatting(amount: int, locale: str, expected: str) -> None:
    assert format_rupiah(amount, locale) == expected  # type: ignore[arg-type]
