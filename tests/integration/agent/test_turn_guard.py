"""The turn guard: with X-Customer-Message-Id, a "yes" carrying the message id that produced the prompt is
refused (409 awaiting_customer_reply) and nothing is sent — a model cannot ask and answer in the same turn."""

from __future__ import annotations

from typing import Any

import pytest

from midtrans_local.simulator import MidtransSimulator
from tests.conftest import load_event
from tests.integration.cancel.conftest import cancels_sent
from tests.integration.conftest import invoke
from tests.integration.refund.conftest import refunds_sent

FLOWS = {
    # action: (function, prompt event, decision event)
    "cancel": ("cancel_transaction", "cancel_transaction.request_pending", "cancel_transaction.decide_confirm"),
    "refund": ("request_refund", "request_refund.request_full", "request_refund.decide_confirm"),
}
ORDERS = {"cancel": "ORDER-PENDING-001", "refund": "ORDER-SETTLEMENT-GOPAY-001"}


def sent(sim: MidtransSimulator, action: str) -> int:
    order = ORDERS[action]
    return cancels_sent(sim, order) if action == "cancel" else len(refunds_sent(sim, order))


def prompt(action: str, message_id: str | None) -> str:
    function, event_name, _ = FLOWS[action]
    event = load_event(event_name)
    if message_id:
        event["headers"]["x-customer-message-id"] = message_id
    status, body = invoke(function, event)
    assert status == 200, body
    assert body["outcome"] == "confirmation_required", body
    return str(body["confirmation_id"])


def decide(action: str, confirmation_id: str, decision: str, message_id: str | None) -> tuple[int, Any]:
    function, _, event_name = FLOWS[action]
    conversation = load_event(FLOWS[action][1])["body"]
    event = load_event(event_name, path={"confirmation_id": confirmation_id})
    event["body"] = event["body"].replace("conv-2001", _conversation(conversation))
    event["body"] = event["body"].replace('"confirm"', f'"{decision}"')
    if message_id:
        event["headers"]["x-customer-message-id"] = message_id
    return invoke(function, event)


def _conversation(body: str) -> str:
    import json

    return str(json.loads(body)["conversation_id"])


@pytest.mark.parametrize("action", ["cancel", "refund"])
def test_a_yes_in_the_prompts_own_turn_is_refused_and_sends_nothing(sim: MidtransSimulator, action: str) -> None:
    confirmation_id = prompt(action, "msg-100")
    status, body = decide(action, confirmation_id, "confirm", "msg-100")
    assert status == 409, body
    assert body["error"] == "awaiting_customer_reply"
    assert sent(sim, action) == 0
    # The customer's real answer, in the next message, goes through: exactly once.
    status, body = decide(action, confirmation_id, "confirm", "msg-101")
    assert status == 200, body
    assert body["outcome"] in ("cancelled", "refunded")
    assert sent(sim, action) == 1


@pytest.mark.parametrize("action", ["cancel", "refund"])
def test_a_decline_is_never_blocked(sim: MidtransSimulator, action: str) -> None:
    confirmation_id = prompt(action, "msg-200")
    status, body = decide(action, confirmation_id, "decline", "msg-200")
    assert status == 200, body
    assert body["outcome"] == "declined"
    assert sent(sim, action) == 0


@pytest.mark.parametrize("action", ["cancel", "refund"])
def test_without_message_ids_nothing_changes(sim: MidtransSimulator, action: str) -> None:
    confirmation_id = prompt(action, None)
    status, body = decide(action, confirmation_id, "confirm", None)
    assert status == 200, body
    assert sent(sim, action) == 1


def test_a_prompt_without_a_message_id_is_not_guarded_by_a_later_one(sim: MidtransSimulator) -> None:
    confirmation_id = prompt("cancel", None)
    status, body = decide("cancel", confirmation_id, "confirm", "msg-300")
    assert status == 200, body
    assert body["outcome"] == "cancelled"
