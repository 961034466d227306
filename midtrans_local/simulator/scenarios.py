"""Scenario orders: order ids whose failure is built into the simulator, like the seeded orders' statuses.

A request for one of these orders (a Core API path naming it, or a payment link whose body's
`transaction_details.order_id` is it) gets the failure its name says, every time, with no fault to inject:
the event fixtures (events/create_payment_link.timeout.json, …) use them. An injected fault that matches the
request still comes first. See docs/simulator.md, "Scenario orders".
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from midtrans_local.simulator.faults import Fault, make_fault
from midtrans_local.simulator.model import format_time, wib_now
from midtrans_local.simulator.state import PaymentLink, SimulatorState

# Longer than the read timeout `make invoke` gives the functions (1 s), short enough that the client's three
# attempts stay within seconds; a client with a longer read timeout sees the connection closed unanswered, which
# it also counts as a timeout (the outcome is unknown either way).
TIMEOUT_STALL_SECONDS = 1.5
# order_id → (what the client sees, the built-in fault's settings as for `add_fault`).
_RULES: Mapping[str, tuple[str, dict[str, Any]]] = {
    "ORDER-SCENARIO-TIMEOUT": (
        f"no answer: the connection is held {TIMEOUT_STALL_SECONDS} s, then closed unanswered",
        {"kind": "drop", "delay_seconds": TIMEOUT_STALL_SECONDS},
    ),
    "ORDER-SCENARIO-RATE-LIMITED": ("429 with Retry-After: 1", {"kind": "status", "status": 429, "retry_after": 1}),
    "ORDER-SCENARIO-API-ERROR": ("500 internal server error", {"kind": "status", "status": 500}),
    "ORDER-SCENARIO-AUTH-ERROR": ("401 as for a wrong server key", {"kind": "status", "status": 401}),
    "ORDER-SCENARIO-INVALID": ("400 with Midtrans' error body", {"kind": "status", "status": 400}),
}
# A payment link order_id already taken by a deactivated link: a create gets 409, a GET 404.
TAKEN_LINK_ORDER_ID = "ORDER-SCENARIO-LINK-TAKEN"
_TAKEN_LINK_ID = "scenario-link-taken"

SCENARIO_ORDERS: Mapping[str, str] = MappingProxyType(
    {
        **{order_id: description for order_id, (description, _) in _RULES.items()},
        TAKEN_LINK_ORDER_ID: "payment link order_id taken by a deactivated link: create 409, GET 404",
    }
)


def scenario_fault(order_id: str | None) -> Fault | None:
    """The built-in fault of a scenario order (a fresh one per request: never used up), or None."""
    rule = _RULES.get(order_id or "")
    return make_fault(0, rule[1]) if rule is not None else None


def seed_scenario_links(state: SimulatorState) -> None:
    """Add the scenario payment links. Caller holds the lock."""
    stamp = format_time(wib_now())
    definition = {
        "id": 0,
        "payment_link_url": f"/payment-links/{_TAKEN_LINK_ID}",
        "order_id": TAKEN_LINK_ORDER_ID,
        "payment_link_type": "FIXED_AMOUNT",
        "payment_link_id": _TAKEN_LINK_ID,
        "gross_amount": 10000,
        "usage_limit": 1,
        "usage": 1,
        "item_details": [],
        "created_at": stamp,
        "updated_at": stamp,
    }
    state.links[TAKEN_LINK_ORDER_ID] = PaymentLink(definition, deleted=True)
    state.link_ids.add(_TAKEN_LINK_ID)
