"""Payment-link tests reuse the cancel tier's simulator and connection fixtures (moto + the simulator on loopback)."""

from __future__ import annotations

import json
from typing import Any

from midtrans_local.simulator import MidtransSimulator
from tests.conftest import load_event
from tests.integration.cancel.conftest import _simulator, sim  # noqa: F401  (fixtures)
from tests.integration.conftest import invoke


def event_body(scenario: str) -> dict[str, Any]:
    """The request body of events/create_payment_link.<scenario>.json, to vary in a test."""
    body: dict[str, Any] = json.loads(load_event(f"create_payment_link.{scenario}")["body"])
    return body


def create(scenario: str = "whatsapp", body: Any = None, claims: dict[str, str] | None = None) -> tuple[int, Any]:
    return invoke("create_payment_link", load_event(f"create_payment_link.{scenario}", body=body, claims=claims))


def link_calls(
    simulator: MidtransSimulator, method: str | None = None, order_id: str | None = None
) -> list[dict[str, Any]]:
    """Every request that reached the simulator's Payment Link API (POST creates, GET reads), optionally for one
    order only (a delayed call from a previous test can land in the log after the simulator was reset)."""
    return [
        call
        for call in simulator.calls()
        if call["path"].startswith("/v1/payment-links")
        and (method is None or call["method"] == method)
        and (order_id is None or call["order_id"] == order_id)
    ]
