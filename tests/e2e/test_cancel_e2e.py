"""Cancel over HTTP through the local stack: prompt, confirm once, duplicates, decline, refusals."""

from __future__ import annotations

import pytest

from .conftest import RunningStack

pytestmark = pytest.mark.e2e


def _ask(stack: RunningStack, order_id: str, conversation_id: str = "conv-cancel-e2e") -> dict:
    body = {"conversation_id": conversation_id, "order_id": order_id, "locale": "en"}
    response = stack.call("POST", "/v1/cancellations", body=body)
    assert response.status_code == 200
    return dict(response.json())


def _decide(stack: RunningStack, confirmation_id: str, decision: str, conversation_id: str = "conv-cancel-e2e"):
    body = {"decision": decision, "conversation_id": conversation_id}
    return stack.call("POST", f"/v1/cancellations/{confirmation_id}/decision", body=body)


def _cancels(stack: RunningStack, order_id: str) -> int:
    return sum(1 for c in stack.midtrans_calls() if c["path"].endswith("/cancel") and c["order_id"] == order_id)


def test_prompt_confirm_and_duplicate(stack: RunningStack) -> None:
    order_id = "ORDER-AUTHORIZE-CARD-001"
    prompt = _ask(stack, order_id)
    assert prompt["outcome"] == "confirmation_required" and _cancels(stack, order_id) == 0
    first = _decide(stack, prompt["confirmation_id"], "confirm").json()
    assert (
        first["outcome"] == "cancelled"
        and first["message"] == f"Your order {order_id} has been successfully cancelled."
    )
    duplicate = _decide(stack, prompt["confirmation_id"], "confirm").json()
    assert duplicate == {**first, "replayed": True}
    assert _cancels(stack, order_id) == 1
    assert stack.simulator("GET", f"/transactions/{order_id}")["transaction_status"] == "cancel"
    # asking again in the same conversation: it was cancelled here (D28); elsewhere: refused with its status
    assert _ask(stack, order_id)["outcome"] == "already_requested"
    assert _ask(stack, order_id, conversation_id="conv-other")["outcome"] == "not_eligible"


def test_decline_changes_nothing(stack: RunningStack) -> None:
    order_id = "ORDER-CAPTURE-CARD-001"
    prompt = _ask(stack, order_id)
    declined = _decide(stack, prompt["confirmation_id"], "decline").json()
    assert declined["message"] == "Understood. Your order has not been cancelled — no changes were made."
    assert _decide(stack, prompt["confirmation_id"], "confirm").json()["outcome"] == "declined"
    assert _cancels(stack, order_id) == 0
    assert stack.simulator("GET", f"/transactions/{order_id}")["transaction_status"] == "capture"


def test_refusals_send_nothing(stack: RunningStack) -> None:
    order_id = "ORDER-PENDING-SHOPEEPAY-001"
    prompt = _ask(stack, order_id)
    assert _decide(stack, prompt["confirmation_id"], "confirm", conversation_id="someone-else").status_code == 403
    other_tenant = stack.call(
        "POST",
        f"/v1/cancellations/{prompt['confirmation_id']}/decision",
        cid="tenant-elsewhere",
        body={"decision": "confirm", "conversation_id": "conv-cancel-e2e"},
    )
    # tenant-elsewhere is not connected: the gate refuses before any confirmation is looked at (the 404 for a
    # connected other tenant is covered in tests/integration/cancel).
    assert (other_tenant.status_code, other_tenant.json()["error"]) == (409, "not_connected")
    human = stack.call(
        "POST",
        f"/v1/cancellations/{prompt['confirmation_id']}/decision",
        role="agent",
        body={"decision": "confirm", "conversation_id": "conv-cancel-e2e"},
    )
    assert human.status_code == 403
    assert _decide(stack, "not-a-uuid", "confirm").status_code == 422
    assert _cancels(stack, order_id) == 0
