"""Everything the simulator remembers, behind one lock.

Every read-modify-write (a refund, a cancel, consuming a fault) happens while holding `lock`, so
concurrent requests see Midtrans' one-at-a-time semantics: e.g. twenty parallel refunds with the same
refund_key store exactly one refund.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

from midtrans_local.simulator.auth import SANDBOX_SERVER_KEY
from midtrans_local.simulator.bisnap_registry import BisnapRegistry
from midtrans_local.simulator.faults import FaultBook
from midtrans_local.simulator.model import Transaction, wib_now
from midtrans_local.simulator.notifier import Notifier
from midtrans_local.simulator.seed import FIRST_REFUND_CHARGEBACK_ID, seeded_transactions

# Payment statuses of a purchase that no longer holds one of the link's usage_limit slots.
_UNPAID_STATUSES = frozenset({"expire", "cancel", "deny", "failure"})


@dataclass(frozen=True)
class Purchase:
    """A payment made through a link: a Snap transaction. Its status is read live from the transaction."""

    id: int
    snap_token: str
    order_id: str


@dataclass
class PaymentLink:
    definition: dict[str, Any]
    # DELETE deactivates a link; its order_id and payment_link_id stay taken.
    deleted: bool = False
    # The key that created it: purchases through it belong to that merchant account ("" = the default key).
    server_key: str = field(default="", repr=False)
    purchases: list[Purchase] = field(default_factory=list)


@dataclass
class Lookup:
    """A transaction found by the id in a URL, and whether that id was the transaction_id."""

    transaction: Transaction
    by_transaction_id: bool


@dataclass
class SimulatorState:
    server_keys: tuple[str, ...]
    base_url: str = ""
    lock: threading.RLock = field(default_factory=threading.RLock)
    transactions: dict[str, Transaction] = field(default_factory=dict)
    order_id_by_transaction_id: dict[str, str] = field(default_factory=dict)
    links: dict[str, PaymentLink] = field(default_factory=dict)
    link_ids: set[str] = field(default_factory=set)
    faults: FaultBook = field(default_factory=FaultBook)
    call_log: list[dict[str, Any]] = field(default_factory=list)
    # BI-SNAP merchants survive reset (configuration, like server_keys); their tokens and counters do not.
    bisnap: BisnapRegistry = field(default_factory=BisnapRegistry)
    next_refund_chargeback_id: int = FIRST_REFUND_CHARGEBACK_ID
    next_link_number: int = 1
    next_purchase_id: int = 1
    # Notification URLs, queue and delivery log. It has its own lock and sender thread; reset() empties it.
    notifier: Notifier = field(default_factory=Notifier)

    def __post_init__(self) -> None:
        self.reset()

    @property
    def default_server_key(self) -> str:
        """The key seeded transactions belong to: the sandbox key, or the first key when it is not configured."""
        return SANDBOX_SERVER_KEY if SANDBOX_SERVER_KEY in self.server_keys else self.server_keys[0]

    def reset(self) -> None:
        """Back to the seeded transactions; links, faults, the call log, BI-SNAP tokens/counters and notification
        URLs, queue and log are cleared."""
        with self.lock:
            seeded = seeded_transactions(wib_now(), self.default_server_key)
            self.transactions = {t.order_id: t for t in seeded}
            self.order_id_by_transaction_id = {t.transaction_id: t.order_id for t in seeded}
            self.links = {}
            self.link_ids = set()
            from midtrans_local.simulator.scenarios import seed_scenario_links  # imports this module

            seed_scenario_links(self)
            self.faults = FaultBook()
            self.call_log = []
            self.bisnap.reset()
            self.next_refund_chargeback_id = FIRST_REFUND_CHARGEBACK_ID
            self.next_link_number = 1
            self.next_purchase_id = 1
            self.notifier.reset()

    def find(self, ident: str) -> Lookup | None:
        """The transaction an order_id or a transaction_id names. Caller holds the lock."""
        if ident in self.transactions:
            return Lookup(self.transactions[ident], by_transaction_id=False)
        order_id = self.order_id_by_transaction_id.get(ident)
        if order_id is None:
            return None
        return Lookup(self.transactions[order_id], by_transaction_id=True)

    def order_id_of(self, ident: str) -> str:
        """The order_id behind a URL id (a transaction_id resolves to its order), for logs and faults."""
        with self.lock:
            return self.order_id_by_transaction_id.get(ident, ident)

    def announce(self, transaction: Transaction) -> None:
        """Queue the HTTP notification of a state change, if the transaction's key has a URL. Caller holds the lock."""
        self.notifier.announce(transaction)

    def take_refund_chargeback_id(self) -> int:
        refund_id = self.next_refund_chargeback_id
        self.next_refund_chargeback_id += 1
        return refund_id

    def record_call(self, call: dict[str, Any]) -> None:
        with self.lock:
            self.call_log.append(call)

    def calls(self) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self.call_log)

    def transaction(self, ident: str) -> dict[str, Any] | None:
        """The status body Midtrans would answer now, signed with the first configured key."""
        with self.lock:
            found = self.find(ident)
            return found.transaction.status_body(self.server_keys[0]) if found else None

    def payment_link(self, order_id: str) -> dict[str, Any] | None:
        with self.lock:
            link = self.links.get(order_id)
            if link is None:
                return None
            return {**self.link_body(link), "deleted": link.deleted}

    def link_body(self, link: PaymentLink) -> dict[str, Any]:
        """What `GET /v1/payment-links/{order_id}` shows now: the definition plus live `purchases` and `usage`.

        A purchase shows its transaction's current status in upper case, as Midtrans writes payment_status.
        `usage` counts purchases that hold a slot (paid or still pending) on top of the definition's own
        count (payments made before the simulator started, as on the scenario link). Caller holds the lock.
        """
        body = copy.deepcopy(link.definition)
        purchases = []
        for purchase in link.purchases:
            transaction = self.transactions[purchase.order_id]
            purchases.append(
                {
                    "id": purchase.id,
                    "snap_token": purchase.snap_token,
                    "order_id": purchase.order_id,
                    "transaction_id": transaction.transaction_id,
                    "payment_status": transaction.transaction_status.upper(),
                    "payment_method": transaction.payment_type,
                }
            )
        body["purchases"] = purchases
        body["usage"] = int(body.get("usage") or 0) + self.link_usage(link)
        return body

    def link_usage(self, link: PaymentLink) -> int:
        """Purchases holding one of the link's usage_limit slots. Caller holds the lock."""
        return sum(1 for p in link.purchases if self.transactions[p.order_id].status not in _UNPAID_STATUSES)
