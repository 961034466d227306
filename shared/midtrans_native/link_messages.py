"""The payment-link customer copy, in English and Indonesian, and the tiny render that fills it.

Failures reuse the PRD copy in messages.py (Msg.LINK_TIMEOUT, Msg.LINK_INVALID, Msg.RATE_LIMITED). The
success copy names the order and the amount only: item and customer names are the agent's input, and they
stay out of a message the customer reads. WhatsApp limits (Meta, interactive CTA URL messages): body text
at most 1024 characters, button label at most 20; tests render the longest possible values against them.
"""

from __future__ import annotations

from enum import StrEnum

from midtrans_native.messages import Locale, format_rupiah


class LinkMsg(StrEnum):
    WHATSAPP_BODY = "whatsapp_body"
    BUTTON_LABEL = "button_label"
    TEXT_WITH_LINK = "text_with_link"
    VALID_FOR = "valid_for"
    ORDER_ID_TAKEN = "order_id_taken"


LINK_MESSAGES: dict[LinkMsg, dict[Locale, str]] = {
    # The URL is behind the button on WhatsApp, so the body does not repeat it.
    LinkMsg.WHATSAPP_BODY: {
        "en": "Here is your payment link for order {order_id}. Amount: {amount}.{valid_for} "
        "Tap the button below to pay.",
        "id": "Berikut tautan pembayaran untuk pesanan {order_id}. Jumlah: {amount}.{valid_for} "
        "Ketuk tombol di bawah untuk membayar.",
    },
    LinkMsg.BUTTON_LABEL: {
        "en": "Pay now",
        "id": "Bayar sekarang",
    },
    LinkMsg.TEXT_WITH_LINK: {
        "en": "Here is your payment link for order {order_id}. Amount: {amount}.{valid_for} Pay here: {url}",
        "id": "Berikut tautan pembayaran untuk pesanan {order_id}. Jumlah: {amount}.{valid_for} Bayar di sini: {url}",
    },
    LinkMsg.VALID_FOR: {
        "en": " The link is valid for {duration}.",
        "id": " Tautan berlaku selama {duration}.",
    },
    # For the agent (a 409 refusal), not the customer: how to get past it.
    LinkMsg.ORDER_ID_TAKEN: {
        "en": "This order ID already has a payment link with other details or from another conversation. "
        "Use a new order ID, or leave it out to have one generated.",
        "id": "ID pesanan ini sudah memiliki tautan pembayaran dengan rincian lain atau dari percakapan lain. "
        "Gunakan ID pesanan baru, atau kosongkan agar dibuatkan otomatis.",
    },
}

_UNITS: dict[str, dict[Locale, tuple[str, str]]] = {
    # (singular, plural); Indonesian does not inflect.
    "day": {"en": ("day", "days"), "id": ("hari", "hari")},
    "hour": {"en": ("hour", "hours"), "id": ("jam", "jam")},
    "minute": {"en": ("minute", "minutes"), "id": ("menit", "menit")},
}


def render_link(key: LinkMsg, locale: Locale, **values: object) -> str:
    return LINK_MESSAGES[key][locale].format(**values)


def valid_for(duration: int | None, unit: str | None, locale: Locale) -> str:
    """ " The link is valid for 2 days." — or nothing when no expiry was set (Midtrans' default applies)."""
    if duration is None or unit not in _UNITS:
        return ""
    singular, plural = _UNITS[unit][locale]
    return render_link(LinkMsg.VALID_FOR, locale, duration=f"{duration} {singular if duration == 1 else plural}")


def whatsapp_body(order_id: str, amount: int, validity: str, locale: Locale) -> str:
    return render_link(
        LinkMsg.WHATSAPP_BODY, locale, order_id=order_id, amount=format_rupiah(amount, locale), valid_for=validity
    )


def text_with_link(order_id: str, amount: int, validity: str, url: str, locale: Locale) -> str:
    return render_link(
        LinkMsg.TEXT_WITH_LINK,
        locale,
        order_id=order_id,
        amount=format_rupiah(amount, locale),
        valid_for=validity,
        url=url,
    )


def button_label(locale: Locale) -> str:
    return render_link(LinkMsg.BUTTON_LABEL, locale)
