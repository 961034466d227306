"""Hostile or broken requests get a 4xx that names the field, and never reach Midtrans (the simulator's call log)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import create, event_body, link_calls


def items(*lines: tuple[str, int, int]) -> list[dict[str, Any]]:
    return [{"name": name, "price": price, "quantity": quantity} for name, price, quantity in lines]


def body_with(**fields: Any) -> dict[str, Any]:
    return {**event_body("whatsapp"), **fields}


CASES: dict[str, tuple[Any, str]] = {
    "huge item list": (
        body_with(item_details=items(*[("Sticker", 1, 1)] * 5000), transaction_details={"gross_amount": 5000}),
        "item_details: must hold at most 50 items",
    ),
    "unicode name over the limit": (
        body_with(item_details=items(("😀" * 26, 150000, 1))),
        "item_details.0.name: must be at most 50 characters (Midtrans' limit)",
    ),
    "negative price faking a total": (
        body_with(
            item_details=items(("Laptop", 15_000_000, 1), ("Discount", -14_990_000, 1)),
            transaction_details={"order_id": "LINK-NEG-001", "gross_amount": 10000},
        ),
        "item_details.1.price: must be a whole number from 1 to 999999999999",
    ),
    "html in a name": (
        body_with(item_details=items(("<img src=x onerror=alert(1)>", 150000, 1))),
        "item_details.0.name: must not contain '<' or '>' (no HTML)",
    ),
    "mismatched sum": (
        body_with(item_details=items(("Coffee", 45000, 2), ("Grinder", 50000, 1))),
        "item_details: the items add up to 140000",
    ),
    "fractional amount": (
        body_with(transaction_details={"gross_amount": 150000.5}),
        "transaction_details.gross_amount",
    ),
    "order id with a slash": (
        body_with(transaction_details={"order_id": "../v2/ORDER-1/cancel", "gross_amount": 150000}),
        "transaction_details.order_id",
    ),
    "unknown payment method": (body_with(enabled_payments=["cash"]), "enabled_payments.0"),
    "unknown expiry unit": (body_with(expiry={"duration": 2, "unit": "weeks"}), "expiry.unit"),
    "bad e-mail": (body_with(customer_details={"email": "budi at example"}), "customer_details.email"),
    "bad phone": (body_with(customer_details={"phone": "call me maybe"}), "customer_details.phone"),
    "smuggled tenant": (body_with(cid="tenant-other"), "cid: Extra inputs are not permitted"),
    "smuggled link id": (
        body_with(transaction_details={"gross_amount": 150000, "payment_link_id": "chosen-by-attacker"}),
        "transaction_details.payment_link_id",
    ),
    "not json": ("{'conversation_id': ", "The request body is not valid JSON."),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused_with_a_422_naming_the_field_and_nothing_sent(sim, case: str) -> None:
    body, expected = CASES[case]

    status, answer = create("whatsapp", body=body)

    assert (status, answer["error"]) == (422, "invalid_request")
    assert expected in answer["message"]
    assert link_calls(sim) == []


def test_the_fixtures_for_refused_requests_are_refused_too(sim) -> None:
    for scenario, field in [
        ("mismatched_sum", "item_details"),
        ("negative_price", "item_details.1.price"),
        ("html_item_name", "item_details.0.name"),
    ]:
        status, answer = create(scenario)
        assert (status, answer["error"]) == (422, "invalid_request"), scenario
        assert answer["message"].startswith(f"{field}:")
    assert link_calls(sim) == []


def test_the_refusal_never_echoes_the_input(sim) -> None:
    canary = "<b>SB-Mid-server-CANARY-IN-A-NAME</b>"
    status, answer = create("whatsapp", body=body_with(item_details=items((canary, 150000, 1))))
    assert status == 422 and "CANARY" not in json.dumps(answer)
