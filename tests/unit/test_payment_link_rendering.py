"""Payment-link copy and delivery payloads: both locales, WhatsApp's limits at the longest possible values."""

from __future__ import annotations

import string

import pytest

from midtrans_native.actions.create_payment_link import delivery_for
from midtrans_native.link_messages import LINK_MESSAGES, LinkMsg, button_label, text_with_link, valid_for, whatsapp_body
from midtrans_native.messages import Locale
from midtrans_native.models.payment_links import MAX_RUPIAH

URL = "https://app.sandbox.midtrans.com/payment-links/mna-abcdefghijklmnopqrstuvwxyz234567"
LOCALES: list[Locale] = ["en", "id"]


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", list(LinkMsg))
def test_every_message_exists_in_both_locales_with_the_same_placeholders(key: LinkMsg) -> None:
    english, indonesian = LINK_MESSAGES[key]["en"], LINK_MESSAGES[key]["id"]
    assert english and indonesian and english != indonesian
    assert _placeholders(english) == _placeholders(indonesian)


def test_whatsapp_delivery_is_a_cta_url_message() -> None:
    delivery = delivery_for("whatsapp", "ORDER-1", 150000, valid_for(2, "day", "en"), URL, "en")
    assert delivery.model_dump(mode="json") == {
        "type": "interactive",
        "interactive": {
            "type": "cta_url",
            "body": {
                "text": "Here is your payment link for order ORDER-1. Amount: IDR 150,000. "
                "The link is valid for 2 days. Tap the button below to pay."
            },
            "action": {"name": "cta_url", "parameters": {"display_text": "Pay now", "url": URL}},
        },
    }


def test_other_channels_get_a_text_with_the_clickable_link() -> None:
    delivery = delivery_for("web_chat", "ORDER-1", 75000, "", URL, "id")
    assert delivery.model_dump(mode="json") == {
        "type": "text",
        "text": {
            "body": f"Berikut tautan pembayaran untuk pesanan ORDER-1. Jumlah: Rp75.000. Bayar di sini: {URL}",
            "preview_url": True,
        },
    }


@pytest.mark.parametrize(
    ("duration", "unit", "locale", "expected"),
    [
        (1, "day", "en", " The link is valid for 1 day."),
        (2, "day", "en", " The link is valid for 2 days."),
        (1, "hour", "en", " The link is valid for 1 hour."),
        (30, "minute", "en", " The link is valid for 30 minutes."),
        (2, "day", "id", " Tautan berlaku selama 2 hari."),
        (3, "hour", "id", " Tautan berlaku selama 3 jam."),
        (45, "minute", "id", " Tautan berlaku selama 45 menit."),
        (None, None, "en", ""),
    ],
)
def test_validity_text(duration: int | None, unit: str | None, locale: Locale, expected: str) -> None:
    assert valid_for(duration, unit, locale) == expected


@pytest.mark.parametrize("locale", LOCALES)
def test_whatsapp_limits_hold_for_the_longest_values(locale: Locale) -> None:
    longest = whatsapp_body("O" * 50, MAX_RUPIAH, valid_for(525_600, "minute", locale), locale)
    assert len(longest) <= 1024
    assert 0 < len(button_label(locale)) <= 20
    delivery = delivery_for("whatsapp", "O" * 50, MAX_RUPIAH, valid_for(525_600, "minute", locale), URL, locale)
    assert delivery.type == "interactive"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_text_message_carries_the_url_and_the_amount(locale: Locale) -> None:
    text = text_with_link("ORDER-9", 1_250_000, "", URL, locale)
    assert text.endswith(URL)
    assert ("IDR 1,250,000" if locale == "en" else "Rp1.250.000") in text
    assert "ORDER-9" in text
