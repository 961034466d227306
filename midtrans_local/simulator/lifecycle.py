"""What happens to payments outside the merchant's API calls: a customer pays a link, a VA settles, a
payment expires or is denied, the bank confirms a refund; and notifications sent again on demand.

Each operation changes the stored transaction under the state lock and queues the HTTP notification Midtrans
would send (notifications.py), to the URL of the server key the transaction belongs to. The Python API
(notification_api.py) and the control API (control_lifecycle.py) both call these.

Errors: UnknownOrder (a LookupError) when nothing has that id, NotAllowed (a ValueError) when the state forbids
the change, plain ValueError for a bad argument.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from midtrans_local.simulator import notifications
from midtrans_local.simulator.bisnap_ops import DEBIT_TYPES, QRIS_TYPES
from midtrans_local.simulator.model import Transaction, wib_now
from midtrans_local.simulator.state import PaymentLink, Purchase, SimulatorState


class UnknownOrder(LookupError):
    """No transaction (or payment link) has this id."""


class NotAllowed(ValueError):
    """The transaction's state, or the link's, does not allow this."""


_CARD = {"masked_card": "48111111-1114", "bank": "bni", "card_type": "credit", "channel_response_code": "00"}
# A link's payment methods (enabled_payments names) → the Core API payment_type of the transaction a purchase
# makes, and the fields its status body carries. "{n}" is filled with digits derived from the transaction_id.
# Given a Core payment_type instead of a method, pay_link takes the first enabled method in this order.
_METHODS: dict[str, tuple[str, dict[str, Any]]] = {
    "credit_card": ("credit_card", _CARD),
    "gopay": ("gopay", {}),
    "shopeepay": ("shopeepay", {}),
    "other_qris": ("qris", {"acquirer": "gopay"}),
    **{
        f"{bank}_va": ("bank_transfer", {"va_numbers": [{"bank": bank, "va_number": "{n}"}]})
        for bank in ("bca", "bni", "bri", "cimb", "danamon", "bsi")
    },
    "permata_va": ("bank_transfer", {"permata_va_number": "{n}"}),
    "echannel": ("echannel", {"bill_key": "{n}", "biller_code": "70012"}),
    "indomaret": ("cstore", {"store": "indomaret", "payment_code": "{n}"}),
    "alfamart": ("cstore", {"store": "alfamart", "payment_code": "{n}"}),
    "akulaku": ("akulaku", {}),
    "kredivo": ("kredivo", {}),
}
# Methods where the customer pays later, elsewhere (an ATM, a store): the purchase starts pending.
# The others (card, e-wallets, QRIS, paylater) are paid on the spot and settle at once.
_PAID_LATER = frozenset({"bank_transfer", "echannel", "cstore"})
_PENDING_EXPIRY = timedelta(days=1)  # Snap's default expiry for a bank transfer


def pay_link(
    state: SimulatorState,
    link_order_id: str,
    payment_type: str = "gopay",
    suffixed: bool = True,
    amount: int | None = None,
) -> dict[str, Any]:
    """A customer pays through the link: a new transaction, listed in the link's `purchases[]`, notified.

    `payment_type` is a link method name ("bca_va", "other_qris", …) or a Core API payment_type ("bank_transfer",
    "qris", …: the first of the link's enabled methods with that type). The order_id is the link's plus
    "-<13-digit epoch ms>", as Midtrans suffixes purchases, unless `suffixed` is False. `amount` is required
    for a DYNAMIC_AMOUNT link and, for a fixed one, must be the link's amount when given.
    Returns the purchase's status body.
    """
    with state.lock:
        link = state.links.get(link_order_id)
        if link is None:
            raise UnknownOrder(f"no payment link with order_id {link_order_id!r}")
        definition = link.definition
        if link.deleted:
            raise NotAllowed(f"payment link {link_order_id!r} is deleted")
        method = _method(payment_type, definition.get("enabled_payments") or list(_METHODS))
        gross_amount = _purchase_amount(definition, amount)
        used = int(definition.get("usage") or 0) + state.link_usage(link)
        if used >= int(definition.get("usage_limit") or 1):
            raise NotAllowed(f"payment link {link_order_id!r} has reached its usage_limit")
        order_id = _purchase_order_id(state, link_order_id, suffixed)
        transaction = _purchase(state, link, method, order_id, gross_amount)
        state.transactions[order_id] = transaction
        state.order_id_by_transaction_id[transaction.transaction_id] = order_id
        link.purchases.append(Purchase(state.next_purchase_id, str(uuid.uuid4()), order_id))
        state.next_purchase_id += 1
        state.announce(transaction)
        return transaction.status_body(transaction.server_key)


def settle(state: SimulatorState, order_id: str) -> dict[str, Any]:
    """pending (or a captured card payment) → settlement, with settlement_time now."""

    def change(transaction: Transaction) -> None:
        transaction.move_to("settlement")
        transaction.settlement_time = wib_now()

    return _transition(state, order_id, {"pending", "capture"}, change)


def expire(state: SimulatorState, order_id: str) -> dict[str, Any]:
    """pending → expire: the customer never paid (what Core API `POST /v2/{id}/expire` also does)."""
    return _transition(state, order_id, {"pending"}, lambda t: t.move_to("expire"))


def deny(state: SimulatorState, order_id: str) -> dict[str, Any]:
    """pending → deny: the payment provider or Midtrans' fraud detection refused the payment."""
    return _transition(state, order_id, {"pending"}, lambda t: t.move_to("deny"))


def fail(state: SimulatorState, order_id: str) -> dict[str, Any]:
    """pending → failure: the payment broke down (e.g. the bank did not answer)."""
    return _transition(state, order_id, {"pending"}, lambda t: t.move_to("failure"))


def confirm_refund(state: SimulatorState, order_id: str) -> dict[str, Any]:
    """The bank confirms the latest refund (Midtrans fills bank_confirmed_at about a day after the request)."""
    with state.lock:
        transaction = _find(state, order_id)
        if not transaction.refunds or transaction.status not in {"refund", "partial_refund"}:
            raise NotAllowed(f"{transaction.order_id} has no refund to confirm")
        latest = transaction.refunds[-1]
        if latest.bank_confirmed_at is not None:
            raise NotAllowed(f"the latest refund of {transaction.order_id} is already confirmed")
        latest.bank_confirmed_at = wib_now()
        latest.refund_method = latest.refund_method or "online"  # what the seeded, confirmed refunds carry
        state.announce(transaction)
        return transaction.status_body(transaction.server_key)


def notify(state: SimulatorState, order_id: str, transaction_status: str | None = None) -> dict[str, Any]:
    """Send the notification of the transaction's current state again (a duplicate), or of `transaction_status`
    (a stale, out-of-order one, correctly signed for the state it claims). Returns what is queued."""
    with state.lock:
        transaction = _find(state, order_id)
        url = _url(state, transaction)
        return state.notifier.enqueue(
            notifications.core_message(url, transaction, transaction.server_key, transaction_status)
        )


def bisnap_notify(
    state: SimulatorState, order_id: str, path: str = "/v1.0/debit/notify", client_id: str | None = None
) -> dict[str, Any]:
    """The BI-SNAP notify of the transaction's current state, to `<notification URL><path>`, signed with
    Midtrans' private key. The merchant is the BI-SNAP merchant registered for the transaction's server key
    (`client_id` picks one when several share it). Returns what is queued."""
    if path not in notifications.BISNAP_PATHS:
        raise ValueError(f"path must be one of: {', '.join(sorted(notifications.BISNAP_PATHS))}")
    notifications.midtrans_private_key()  # make the key pair now, not while holding the state lock
    with state.lock:
        transaction = _find(state, order_id)
        products = QRIS_TYPES if path.startswith("/v1.0/qr/") else DEBIT_TYPES
        if transaction.payment_type not in products:
            raise NotAllowed(f"{path} is not sent for a {transaction.payment_type} payment")
        merchants = [m for m in state.bisnap.merchants() if m.server_key == transaction.server_key]
        if client_id is not None:
            merchants = [m for m in merchants if m.client_id == client_id]
        if not merchants:
            raise NotAllowed(f"no BI-SNAP merchant is registered for the server key of {transaction.order_id}")
        if len(merchants) > 1:
            raise ValueError("several BI-SNAP merchants share this transaction's server key: pass client_id")
        merchant = merchants[0]
        url = notifications.bisnap_notify_url(_url(state, transaction), path)
        message = notifications.bisnap_message(url, transaction, merchant.partner_id, merchant.merchant_id)
        return state.notifier.enqueue(message)


def _find(state: SimulatorState, ident: str) -> Transaction:
    found = state.find(ident)
    if found is None:
        raise UnknownOrder(f"no transaction with order_id or transaction_id {ident!r}")
    return found.transaction


def _url(state: SimulatorState, transaction: Transaction) -> str:
    url = state.notifier.url_for(transaction.server_key)
    if url is None:
        raise NotAllowed(f"no notification URL is set for the server key {transaction.order_id} belongs to")
    return url


def _transition(
    state: SimulatorState, order_id: str, allowed: set[str], change: Callable[[Transaction], None]
) -> dict[str, Any]:
    with state.lock:
        transaction = _find(state, order_id)
        if transaction.status not in allowed:
            raise NotAllowed(
                f"{transaction.order_id} is {transaction.transaction_status}; this needs {' or '.join(sorted(allowed))}"
            )
        change(transaction)
        state.announce(transaction)
        return transaction.status_body(transaction.server_key)


def _method(payment_type: str, enabled: list[str]) -> str:
    """The link method a purchase uses: `payment_type` itself, or the first enabled method of that Core type."""
    if payment_type in _METHODS:
        method = payment_type
    else:
        of_type = [name for name, (core_type, _) in _METHODS.items() if core_type == payment_type and name in enabled]
        known_types = {core_type for core_type, _ in _METHODS.values()}
        if payment_type not in known_types:
            raise ValueError(f"payment_type must be one of: {', '.join(sorted(set(_METHODS) | known_types))}")
        if not of_type:
            raise NotAllowed(f"the link enables no {payment_type} method")
        method = of_type[0]
    if method not in enabled:
        raise NotAllowed(f"the link does not enable {method}")
    return method


def _purchase_amount(definition: dict[str, Any], amount: int | None) -> int:
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0):
        raise ValueError("amount must be a positive integer")
    fixed = definition.get("gross_amount")
    if fixed is None:
        if amount is None:
            raise ValueError("amount is required to pay a DYNAMIC_AMOUNT link")
        return amount
    if amount is not None and amount != fixed:
        raise ValueError(f"amount must be the link's gross_amount ({fixed})")
    return int(fixed)


def _purchase_order_id(state: SimulatorState, link_order_id: str, suffixed: bool) -> str:
    if not suffixed:
        if link_order_id in state.transactions:
            raise NotAllowed(f"order_id {link_order_id!r} already has a transaction")
        return link_order_id
    # Two purchases in the same millisecond still get distinct order_ids.
    stamp = int(time.time() * 1000)
    while f"{link_order_id}-{stamp}" in state.transactions:
        stamp += 1
    return f"{link_order_id}-{stamp}"


def _purchase(state: SimulatorState, link: PaymentLink, method: str, order_id: str, gross_amount: int) -> Transaction:
    payment_type, fields = _METHODS[method]
    transaction_id = str(uuid.uuid4())
    digits = f"{uuid.UUID(transaction_id).int % 10**16:016d}"
    now = wib_now()
    pending = payment_type in _PAID_LATER
    definition = link.definition
    return Transaction(
        order_id=order_id,
        transaction_id=transaction_id,
        payment_type=payment_type,
        gross_amount=gross_amount,
        transaction_status="pending" if pending else "settlement",
        transaction_time=now,
        fraud_status=None if payment_type == "cstore" else "accept",  # as the seeded store payment
        settlement_time=None if pending else now,
        expiry_time=now + _PENDING_EXPIRY if pending else None,
        extra=_fill(fields, digits),
        server_key=link.server_key or state.default_server_key,
        custom_fields={
            name: definition[name] for name in ("custom_field1", "custom_field2", "custom_field3") if name in definition
        },
    )


def _fill(value: Any, digits: str) -> Any:
    """A copy of a method's fields with every "{n}" replaced by `digits`."""
    if isinstance(value, dict):
        return {key: _fill(item, digits) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, digits) for item in value]
    return digits if value == "{n}" else value
