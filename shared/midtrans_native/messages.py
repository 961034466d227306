"""Every customer-facing message, in English (exactly the PRD copy, docs/product-contract.md §9) and Indonesian.

`render(key, locale, **values)` fills the placeholders. Keys are an Enum so a typo fails at import,
and a test checks both locales have the same placeholders.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

Locale = Literal["en", "id"]


class Msg(StrEnum):
    STATUS_OK = "status_ok"
    STATUS_TIME = "status_time"
    STATUS_NEEDS_ORDER_ID = "status_needs_order_id"
    DISCONNECTED = "disconnected"
    STATUS_TIMEOUT = "status_timeout"
    STATUS_NOT_FOUND = "status_not_found"
    STATUS_FAILED = "status_failed"
    RATE_LIMITED = "rate_limited"
    LINK_TIMEOUT = "link_timeout"
    LINK_INVALID = "link_invalid"
    CANCEL_NEEDS_ORDER_ID = "cancel_needs_order_id"
    CANCEL_PROMPT = "cancel_prompt"
    CANCEL_DONE = "cancel_done"
    CANCEL_NOT_ALLOWED = "cancel_not_allowed"
    CANCEL_DECLINED = "cancel_declined"
    CANCEL_TIMEOUT = "cancel_timeout"
    REFUND_NEEDS_ORDER_ID = "refund_needs_order_id"
    REFUND_PROMPT = "refund_prompt"
    REFUND_PROMPT_PARTIAL = "refund_prompt_partial"
    REFUND_SLA = "refund_sla"
    REFUND_ALREADY_REQUESTED = "refund_already_requested"
    REFUND_AMOUNT_TOO_LARGE = "refund_amount_too_large"
    REFUND_AMOUNT_MISMATCH = "refund_amount_mismatch"
    REFUND_DONE = "refund_done"
    REFUND_NOT_ALLOWED = "refund_not_allowed"
    REFUND_DECLINED = "refund_declined"
    REFUND_TIMEOUT = "refund_timeout"
    CONNECT_FAILED = "connect_failed"
    # Payment notifications turned into messages for the conversation (actions/notifications.py)
    EVENT_PAYMENT_RECEIVED = "event_payment_received"
    EVENT_PAYMENT_FAILED = "event_payment_failed"
    EVENT_PAYMENT_EXPIRED = "event_payment_expired"
    EVENT_CANCELLED = "event_cancelled"
    EVENT_REFUND_COMPLETED = "event_refund_completed"
    EVENT_PARTIAL_REFUND = "event_partial_refund"
    CONNECT_UNREACHABLE = "connect_unreachable"
    CONNECTED = "connected"
    SAVE_WITHOUT_CONNECTION = "save_without_connection"
    NOT_CONNECTED = "not_connected"
    FEATURE_DISABLED = "feature_disabled"
    ACTION_NOT_CONFIGURED = "action_not_configured"
    CONFIRMATION_NOT_FOUND = "confirmation_not_found"
    CONFIRMATION_EXPIRED = "confirmation_expired"
    CONFIRMATION_OTHER_CONVERSATION = "confirmation_other_conversation"
    DECISION_IN_PROGRESS = "decision_in_progress"
    AWAITING_CUSTOMER_REPLY = "awaiting_customer_reply"
    CONFIRMATION_SUPERSEDED = "confirmation_superseded"
    CANCEL_ALREADY_REQUESTED = "cancel_already_requested"


MESSAGES: dict[Msg, dict[Locale, str]] = {
    Msg.STATUS_OK: {
        "en": "The payment for order {order_id} is {status_text}. Amount: {amount}. Payment method: {payment_type}."
        "{time_text}",
        "id": "Pembayaran untuk pesanan {order_id} {status_text}. Jumlah: {amount}. Metode pembayaran: "
        "{payment_type}.{time_text}",
    },
    Msg.STATUS_TIME: {
        "en": " Transaction time: {time} WIB.",
        "id": " Waktu transaksi: {time} WIB.",
    },
    Msg.STATUS_NEEDS_ORDER_ID: {
        "en": "Could you share your order ID so I can check your payment status?",
        "id": "Boleh saya minta ID pesanan Anda agar saya dapat memeriksa status pembayaran Anda?",
    },
    Msg.STATUS_TIMEOUT: {
        "en": "I was unable to check your payment status. Please try again or contact support.",
        "id": "Saya tidak dapat memeriksa status pembayaran Anda. Silakan coba lagi atau hubungi dukungan.",
    },
    Msg.STATUS_NOT_FOUND: {
        "en": "I couldn't find a payment with that order ID. Please verify and try again.",
        "id": "Saya tidak dapat menemukan pembayaran dengan ID pesanan tersebut. Silakan periksa kembali dan "
        "coba lagi.",
    },
    # Auth and API errors get the same customer copy as a timeout: the customer can do nothing
    # different, and the failure_reason tells the platform (and the operator) what really happened.
    Msg.STATUS_FAILED: {
        "en": "I was unable to check your payment status. Please try again or contact support.",
        "id": "Saya tidak dapat memeriksa status pembayaran Anda. Silakan coba lagi atau hubungi dukungan.",
    },
    Msg.RATE_LIMITED: {
        "en": "Our payment system is busy right now. Please try again in a minute.",
        "id": "Sistem pembayaran kami sedang sibuk. Silakan coba lagi dalam satu menit.",
    },
    Msg.LINK_TIMEOUT: {
        "en": "I was unable to generate a payment link. Please try again or contact support.",
        "id": "Saya tidak dapat membuat tautan pembayaran. Silakan coba lagi atau hubungi dukungan.",
    },
    Msg.LINK_INVALID: {
        "en": "I was unable to create a payment link. Please contact support.",
        "id": "Saya tidak dapat membuat tautan pembayaran. Silakan hubungi dukungan.",
    },
    Msg.CANCEL_NEEDS_ORDER_ID: {
        "en": "Could you share the order ID of the transaction you want to cancel?",
        "id": "Boleh saya minta ID pesanan dari transaksi yang ingin Anda batalkan?",
    },
    Msg.CANCEL_PROMPT: {
        "en": "Are you sure you want to cancel order {order_id}? This action cannot be undone.",
        "id": "Apakah Anda yakin ingin membatalkan pesanan {order_id}? Tindakan ini tidak dapat dibatalkan.",
    },
    Msg.CANCEL_DONE: {
        "en": "Your order {order_id} has been successfully cancelled.",
        "id": "Pesanan {order_id} Anda telah berhasil dibatalkan.",
    },
    Msg.CANCEL_NOT_ALLOWED: {
        "en": "This transaction cannot be cancelled — current status: {status}.",
        "id": "Transaksi ini tidak dapat dibatalkan — status saat ini: {status}.",
    },
    Msg.CANCEL_DECLINED: {
        "en": "Understood. Your order has not been cancelled — no changes were made.",
        "id": "Baik. Pesanan Anda tidak dibatalkan — tidak ada perubahan yang dilakukan.",
    },
    Msg.CANCEL_TIMEOUT: {
        "en": "Unable to cancel your transaction. Please try again or contact support.",
        "id": "Tidak dapat membatalkan transaksi Anda. Silakan coba lagi atau hubungi dukungan.",
    },
    Msg.REFUND_NEEDS_ORDER_ID: {
        "en": "Could you share the order ID of the payment you want refunded?",
        "id": "Boleh saya minta ID pesanan dari pembayaran yang ingin Anda kembalikan dananya?",
    },
    Msg.REFUND_PROMPT_PARTIAL: {
        "en": "Are you sure you want to request a refund of {amount} for order {order_id}? "
        "This action cannot be undone.",
        "id": "Apakah Anda yakin ingin mengajukan pengembalian dana sebesar {amount} untuk pesanan {order_id}? "
        "Tindakan ini tidak dapat dibatalkan.",
    },
    # docs/product-contract.md §7: submitted, and the bank may take some days; never that the money has arrived.
    Msg.REFUND_SLA: {
        "en": "Depending on your bank, it may take several business days for the money to reach your account.",
        "id": "Tergantung bank Anda, dana mungkin memerlukan beberapa hari kerja untuk masuk ke rekening Anda.",
    },
    Msg.REFUND_ALREADY_REQUESTED: {
        "en": "A refund for order {order_id} was already requested in this conversation.",
        "id": "Pengembalian dana untuk pesanan {order_id} sudah diajukan dalam percakapan ini.",
    },
    Msg.REFUND_AMOUNT_TOO_LARGE: {
        "en": "The amount is more than what can still be refunded for order {order_id} ({remainder}).",
        "id": "Jumlah tersebut melebihi dana yang masih dapat dikembalikan untuk pesanan {order_id} ({remainder}).",
    },
    Msg.REFUND_AMOUNT_MISMATCH: {
        "en": "The amount does not match the refund the customer was asked to confirm. Nothing was sent.",
        "id": "Jumlah tidak sesuai dengan pengembalian dana yang diminta untuk dikonfirmasi. Tidak ada yang dikirim.",
    },
    Msg.REFUND_PROMPT: {
        "en": "Are you sure you want to request a refund for order {order_id}? This action cannot be undone.",
        "id": "Apakah Anda yakin ingin mengajukan pengembalian dana untuk pesanan {order_id}? Tindakan ini tidak "
        "dapat dibatalkan.",
    },
    Msg.REFUND_DONE: {
        "en": "Your refund request for order {order_id} has been submitted successfully.",
        "id": "Permintaan pengembalian dana untuk pesanan {order_id} telah berhasil diajukan.",
    },
    Msg.REFUND_NOT_ALLOWED: {
        "en": "This transaction is not eligible for a refund — current status: {status}.",
        "id": "Transaksi ini tidak memenuhi syarat untuk pengembalian dana — status saat ini: {status}.",
    },
    Msg.REFUND_DECLINED: {
        "en": "Understood. No refund has been requested — no changes were made.",
        "id": "Baik. Tidak ada pengembalian dana yang diajukan — tidak ada perubahan yang dilakukan.",
    },
    Msg.REFUND_TIMEOUT: {
        "en": "Unable to process your refund request. Please try again or contact support.",
        "id": "Tidak dapat memproses permintaan pengembalian dana Anda. Silakan coba lagi atau hubungi dukungan.",
    },
    Msg.EVENT_PAYMENT_RECEIVED: {
        "en": "We have received your payment of {amount} for order {order_id}. Thank you!",
        "id": "Pembayaran Anda sebesar {amount} untuk pesanan {order_id} telah kami terima. Terima kasih!",
    },
    Msg.EVENT_PAYMENT_FAILED: {
        "en": "Your payment for order {order_id} did not go through. Please try again or use another payment method.",
        "id": "Pembayaran Anda untuk pesanan {order_id} tidak berhasil. Silakan coba lagi atau gunakan metode "
        "pembayaran lain.",
    },
    Msg.EVENT_PAYMENT_EXPIRED: {
        "en": "The payment time for order {order_id} has run out and no payment was made. Ask me for a new "
        "payment link if you still want to pay.",
        "id": "Batas waktu pembayaran untuk pesanan {order_id} telah habis dan belum ada pembayaran. Minta "
        "tautan pembayaran baru kepada saya jika Anda masih ingin membayar.",
    },
    Msg.EVENT_CANCELLED: {
        "en": "Your order {order_id} has been cancelled.",
        "id": "Pesanan {order_id} Anda telah dibatalkan.",
    },
    Msg.EVENT_REFUND_COMPLETED: {
        "en": "Your refund of {amount} for order {order_id} has been completed.",
        "id": "Pengembalian dana sebesar {amount} untuk pesanan {order_id} telah selesai.",
    },
    Msg.EVENT_PARTIAL_REFUND: {
        "en": "A partial refund of {amount} for order {order_id} has been completed.",
        "id": "Pengembalian dana sebagian sebesar {amount} untuk pesanan {order_id} telah selesai.",
    },
    Msg.CONNECT_FAILED: {
        "en": "Connection failed. Check your credentials and try again.",
        "id": "Koneksi gagal. Periksa kredensial Anda dan coba lagi.",
    },
    Msg.CONNECT_UNREACHABLE: {
        "en": "Midtrans could not be reached to verify the credentials. Please try again.",
        "id": "Midtrans tidak dapat dihubungi untuk memverifikasi kredensial. Silakan coba lagi.",
    },
    Msg.CONNECTED: {
        "en": "Midtrans connected {environment}",
        "id": "Midtrans terhubung {environment}",
    },
    Msg.DISCONNECTED: {
        "en": "Midtrans disconnected. Configured actions stay in place but will not run until you connect again.",
        "id": "Midtrans terputus. Aksi yang sudah dikonfigurasi tetap ada tetapi tidak akan berjalan sampai Anda "
        "menghubungkannya kembali.",
    },
    Msg.SAVE_WITHOUT_CONNECTION: {
        "en": "Midtrans connection required before saving.",
        "id": "Koneksi Midtrans diperlukan sebelum menyimpan.",
    },
    Msg.NOT_CONNECTED: {
        "en": "Midtrans is not connected for this account. An admin must connect it first.",
        "id": "Midtrans belum terhubung untuk akun ini. Admin harus menghubungkannya terlebih dahulu.",
    },
    Msg.FEATURE_DISABLED: {
        "en": "Midtrans actions are not enabled for this account.",
        "id": "Aksi Midtrans belum diaktifkan untuk akun ini.",
    },
    Msg.ACTION_NOT_CONFIGURED: {
        "en": "The {label} action is not configured for this account. An admin must add it first.",
        "id": "Aksi {label} belum dikonfigurasi untuk akun ini. Admin harus menambahkannya terlebih dahulu.",
    },
    Msg.CONFIRMATION_NOT_FOUND: {
        "en": "I couldn't find that confirmation. Please start the request again.",
        "id": "Saya tidak dapat menemukan konfirmasi tersebut. Silakan mulai permintaan dari awal.",
    },
    Msg.CONFIRMATION_EXPIRED: {
        "en": "This confirmation has expired and nothing was changed. Please start the request again.",
        "id": "Konfirmasi ini sudah kedaluwarsa dan tidak ada yang diubah. Silakan mulai permintaan dari awal.",
    },
    Msg.CONFIRMATION_OTHER_CONVERSATION: {
        "en": "This confirmation belongs to another conversation, so it cannot be answered here.",
        "id": "Konfirmasi ini milik percakapan lain, sehingga tidak dapat dijawab di sini.",
    },
    Msg.AWAITING_CUSTOMER_REPLY: {
        "en": "The customer has not answered the confirmation prompt yet. Show them the prompt and wait for their "
        "reply in a new message before confirming.",
        "id": "Pelanggan belum menjawab permintaan konfirmasi. Tampilkan permintaan tersebut dan tunggu balasan "
        "mereka di pesan baru sebelum mengonfirmasi.",
    },
    Msg.CONFIRMATION_SUPERSEDED: {
        "en": "This confirmation was replaced by a newer request in this conversation and can no longer be "
        "answered. Nothing was changed. Use the latest confirmation.",
        "id": "Konfirmasi ini sudah digantikan oleh permintaan yang lebih baru dalam percakapan ini dan tidak dapat "
        "dijawab lagi. Tidak ada yang diubah. Gunakan konfirmasi terbaru.",
    },
    Msg.CANCEL_ALREADY_REQUESTED: {
        "en": "Order {order_id} was already cancelled in this conversation.",
        "id": "Pesanan {order_id} sudah dibatalkan dalam percakapan ini.",
    },
    Msg.DECISION_IN_PROGRESS: {
        "en": "Your answer is already being processed. Please wait a moment.",
        "id": "Jawaban Anda sedang diproses. Mohon tunggu sebentar.",
    },
}

STATUS_TEXT: dict[str, dict[Locale, str]] = {
    "pending": {"en": "awaiting payment", "id": "menunggu pembayaran"},
    "authorize": {"en": "authorized and awaiting capture", "id": "sudah diotorisasi dan menunggu penagihan"},
    "capture": {"en": "paid (card captured)", "id": "sudah dibayar (kartu sudah ditagih)"},
    "settlement": {"en": "paid", "id": "sudah dibayar"},
    "deny": {"en": "declined", "id": "ditolak"},
    "cancel": {"en": "cancelled", "id": "dibatalkan"},
    "expire": {"en": "expired", "id": "kedaluwarsa"},
    "failure": {"en": "failed", "id": "gagal"},
    "refund": {"en": "refunded", "id": "sudah dikembalikan"},
    "partial_refund": {"en": "partially refunded", "id": "sudah dikembalikan sebagian"},
    "chargeback": {"en": "charged back", "id": "ditarik kembali (chargeback)"},
    "partial_chargeback": {"en": "partially charged back", "id": "ditarik kembali sebagian (chargeback)"},
}

PAYMENT_TYPE_TEXT: dict[str, dict[Locale, str]] = {
    "bank_transfer": {"en": "bank transfer (virtual account)", "id": "transfer bank (virtual account)"},
    "echannel": {"en": "Mandiri Bill Payment", "id": "Mandiri Bill Payment"},
    "permata": {"en": "Permata virtual account", "id": "virtual account Permata"},
    "credit_card": {"en": "card", "id": "kartu"},
    "gopay": {"en": "GoPay", "id": "GoPay"},
    "shopeepay": {"en": "ShopeePay", "id": "ShopeePay"},
    "qris": {"en": "QRIS", "id": "QRIS"},
    "cstore": {"en": "convenience store", "id": "gerai ritel"},
    "akulaku": {"en": "Akulaku", "id": "Akulaku"},
    "kredivo": {"en": "Kredivo", "id": "Kredivo"},
    "dana": {"en": "DANA", "id": "DANA"},
    "ovo": {"en": "OVO", "id": "OVO"},
}


def render(key: Msg, locale: Locale, **values: object) -> str:
    return MESSAGES[key][locale].format(**values)


def status_text(status: str, locale: Locale) -> str:
    return STATUS_TEXT.get(status, {}).get(locale, status)


def payment_type_text(payment_type: str | None, locale: Locale) -> str:
    if not payment_type:
        return {"en": "unknown", "id": "tidak diketahui"}[locale]
    return PAYMENT_TYPE_TEXT.get(payment_type, {}).get(locale, payment_type.replace("_", " "))


def format_rupiah(amount: int, locale: Locale) -> str:
    grouped = f"{amount:,}"
    return f"Rp{grouped.replace(',', '.')}" if locale == "id" else f"IDR {grouped}"
