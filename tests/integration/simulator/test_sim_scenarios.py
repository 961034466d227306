"""Scenario orders: failures built into the simulator by order id, no fault injected (docs/simulator.md)."""

from __future__ import annotations

import time

import pytest
import requests

from midtrans_local.simulator import SCENARIO_ORDERS, SCENARIO_SEEDED_ORDERS, SEEDED_ORDERS

from .conftest import Api


def link_body(order_id: str) -> dict[str, object]:
    return {
        "transaction_details": {"order_id": order_id, "gross_amount": 10000},
        "item_details": [{"name": "Tea", "price": 10000, "quantity": 1}],
    }


@pytest.mark.parametrize(
    ("order_id", "status"),
    [
        ("ORDER-SCENARIO-RATE-LIMITED", 429),
        ("ORDER-SCENARIO-API-ERROR", 500),
        ("ORDER-SCENARIO-AUTH-ERROR", 401),
        ("ORDER-SCENARIO-INVALID", 400),
    ],
)
def test_a_scenario_order_fails_every_link_create_and_core_call_the_same_way(api: Api, order_id: str, status: int):
    for _ in range(2):  # never used up
        link = api.post("/v1/payment-links", link_body(order_id))
        core = api.get(f"/v2/{order_id}/status")
        assert (link.status_code, core.status_code) == (status, status)
        assert "error_messages" in link.json() and core.json()["status_code"] == str(status)
    if status == 429:
        assert link.headers["Retry-After"] == "1"


def test_the_timeout_order_stalls_then_closes_the_connection_unanswered(api: Api) -> None:
    started = time.monotonic()
    with pytest.raises(requests.ConnectionError):
        api.post("/v1/payment-links", link_body("ORDER-SCENARIO-TIMEOUT"))
    assert time.monotonic() - started >= 1.4


def test_an_injected_fault_still_comes_first(sim, api: Api) -> None:
    sim.add_fault(kind="status", status=503, order_id="ORDER-SCENARIO-API-ERROR", times=1)
    assert api.get("/v2/ORDER-SCENARIO-API-ERROR/status").status_code == 503
    assert api.get("/v2/ORDER-SCENARIO-API-ERROR/status").status_code == 500


def test_the_taken_link_order_id_is_a_deactivated_link(sim, api: Api) -> None:
    assert api.post("/v1/payment-links", link_body("ORDER-SCENARIO-LINK-TAKEN")).status_code == 409
    assert api.get("/v1/payment-links/ORDER-SCENARIO-LINK-TAKEN").status_code == 404
    sim.reset()
    assert api.post("/v1/payment-links", link_body("ORDER-SCENARIO-LINK-TAKEN")).status_code == 409


def test_scenario_seeded_orders_are_ordinary_transactions_listed_apart(api: Api) -> None:
    assert set(SCENARIO_SEEDED_ORDERS).isdisjoint(SEEDED_ORDERS) and set(SCENARIO_ORDERS).isdisjoint(SEEDED_ORDERS)
    assert api.status("ORDER-SCENARIO-CANCEL-CONFIRM")["transaction_status"] == "pending"
    assert api.status("ORDER-SCENARIO-REFUND-CONFIRM")["transaction_status"] == "settlement"
