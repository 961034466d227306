"""The Python API for HTTP notifications and payment events, mixed into `MidtransSimulator`.

The control API offers the same under `/__simulator/...` (control_lifecycle.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from midtrans_local.simulator import lifecycle, notifications
from midtrans_local.simulator.auth import SANDBOX_SERVER_KEY
from midtrans_local.simulator.state import SimulatorState


def set_notification_url(state: SimulatorState, url: str | None, server_key: str) -> None:
    """Shared by the Python and control APIs: ValueError for a key the simulator does not have or a bad URL."""
    if server_key not in state.server_keys:
        raise ValueError("server_key must be one of the simulator's server keys")
    state.notifier.set_url(server_key, url)


class NotificationControls:
    _state: SimulatorState

    # --- the merchant's dashboard and the delivery settings ---------------------------------------------------

    def set_notification_url(self, url: str | None, server_key: str = SANDBOX_SERVER_KEY) -> None:
        """The "Payment Notification URL" of the merchant account `server_key` (None clears it).

        Every status change of a transaction that belongs to this key is then POSTed there, signed with it.
        With no URL set nothing is sent. reset() clears every URL: it is test state, not configuration.
        """
        set_notification_url(self._state, url, server_key)

    def set_notification_retry_delays(self, delays: Iterable[float]) -> None:
        """Seconds before each retry of a notification not answered 2xx (at most 5 retries; [] = none).
        Default [0.2, 0.5, 1, 2, 4]: Midtrans' 2, 10, 30, 90, 210 minutes scaled down. reset() restores it."""
        self._state.notifier.set_retry_delays(delays)

    # --- payment events (each sends the notification Midtrans would) ------------------------------------------

    def pay_link(
        self, link_order_id: str, payment_type: str = "gopay", suffixed: bool = True, amount: int | None = None
    ) -> dict[str, Any]:
        """A customer pays through a payment link; returns the new transaction's status body.

        Its order_id is `<link order_id>-<13-digit epoch ms>` (unless `suffixed` is False), it is listed in
        the link's `purchases[]` and belongs to the key that created the link. gopay, qris, credit_card and
        other pay-now methods settle at once; bank transfer, echannel and store payments start pending.
        LookupError for an unknown link; ValueError when the link is deleted, used up or lacks the method.
        """
        return lifecycle.pay_link(self._state, link_order_id, payment_type, suffixed, amount)

    def settle(self, order_id: str) -> dict[str, Any]:
        """pending (or captured card) → settlement."""
        return lifecycle.settle(self._state, order_id)

    def expire(self, order_id: str) -> dict[str, Any]:
        """pending → expire (notified with status_code "202")."""
        return lifecycle.expire(self._state, order_id)

    def deny(self, order_id: str) -> dict[str, Any]:
        """pending → deny."""
        return lifecycle.deny(self._state, order_id)

    def fail(self, order_id: str) -> dict[str, Any]:
        """pending → failure."""
        return lifecycle.fail(self._state, order_id)

    def confirm_refund(self, order_id: str) -> dict[str, Any]:
        """The bank confirms the latest refund: bank_confirmed_at and refund_method set, merchant notified."""
        return lifecycle.confirm_refund(self._state, order_id)

    def notify(self, order_id: str, transaction_status: str | None = None) -> dict[str, Any]:
        """Send the current state's notification again, or a correctly signed one for `transaction_status`
        although the transaction has moved on. Returns what is queued. ValueError when no URL is set."""
        return lifecycle.notify(self._state, order_id, transaction_status)

    def bisnap_notify(
        self, order_id: str, path: str = "/v1.0/debit/notify", client_id: str | None = None
    ) -> dict[str, Any]:
        """The BI-SNAP notify (debit or `/v1.0/qr/qr-mpm-notify`) of the transaction's current state, signed
        with Midtrans' private key (verify with `midtrans_public_key_pem()`). Returns what is queued."""
        return lifecycle.bisnap_notify(self._state, order_id, path, client_id)

    def midtrans_public_key_pem(self) -> str:
        """Midtrans' public key for BI-SNAP notifications (one RSA 2048 key pair per process)."""
        return notifications.midtrans_public_key_pem()

    # --- what was sent --------------------------------------------------------------------------------------

    def notifications(self) -> list[dict[str, Any]]:
        """Every delivery attempt, oldest first: delivery_id, kind, url, order_id, transaction_status, body,
        headers, attempt, answer_status (None when no answer came), answer_body, error, delivered, at."""
        return self._state.notifier.records()

    def clear_notifications(self) -> int:
        """Empty the attempt log (queued deliveries still go out); returns how many records there were."""
        return self._state.notifier.clear_records()

    def wait_for_notifications(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        """Block until at least `count` deliveries were answered 2xx; returns those attempts.
        TimeoutError, listing every attempt and what is still queued, when they do not come in time."""
        return self._state.notifier.wait_for(count, timeout)

    def drain(self, timeout: float = 10) -> list[dict[str, Any]]:
        """Block until no notification is queued, waiting for a retry or being sent; returns every attempt."""
        return self._state.notifier.drain(timeout)
