"""Refund over HTTP through the local stack: prompt, confirm once, duplicate, partial, refusals."""

from __future__ import annotations

import pytest

from .conftest import RunningStack

pytestmark = pytest.mark.e2e


def _ask(stack: RunningStack, order_id: str, conversation_id: str, amount: int | None = None):
    body: dict = {"conversation_id": conversation_id, "order_id": order_id}
    if amount is not None:
        body["amount"] = amount
    return stack.call("POST", "/v1/refunds", body=body)


def _decide(stack: RunningStack, confirmation_id: str, conversation_id: str, decision: str = "confirm"):
    body = {"decision": decision, "conversation_id": conversation_id}
    return stack.call("POST", f"/v1/refunds/{confirmation_id}/decision", body=body)


def _refunds(stack: RunningStack, order_id: str) -> int:
    return sum(1 for c in stack.midtrans_calls() if c["path"].endswith("/refund") and c["order_id"] == order_id)


def test_partial_refund_confirmed_once_then_duplicate_replayed(stack: RunningStack) -> None:
    order_id = "ORDER-PARTIAL-REFUND-001"  # 150,000 with 50,000 already refunded
    prompt = _ask(stack, order_id, "conv-refund-e2e", amount=30000).json()
    assert (prompt["outcome"], prompt["refundable_amount"], prompt["amount"]) == (
        "confirmation_required",
        100000,
        30000,
    )
    first = _decide(stack, prompt["confirmation_id"], "conv-refund-e2e").json()
    assert first["outcome"] == "refunded" and first["refund_key"]
    again = _decide(stack, prompt["confirmation_id"], "conv-refund-e2e").json()
    assert again == {**first, "replayed": True}
    assert _refunds(stack, order_id) == 1
    stored = stack.simulator("GET", f"/transactions/{order_id}")
    assert [r["refund_key"] for r in stored["refunds"]][-1] == first["refund_key"]
    too_much = _ask(stack, order_id, "conv-refund-e2e-2", amount=70001)
    assert (too_much.status_code, too_much.json()["error"]) == (422, "amount_exceeds_remainder")
    assert _refunds(stack, order_id) == 1


def test_not_eligible_and_refusals_send_nothing(stack: RunningStack) -> None:
    va = _ask(stack, "ORDER-SETTLEMENT-VA-001", "conv-refund-e2e-3").json()
    assert (va["outcome"], va["not_eligible_reason"]) == ("not_eligible", "payment_method")
    prompt = _ask(stack, "ORDER-SETTLEMENT-CARD-001", "conv-refund-e2e-4", amount=1000).json()
    assert _decide(stack, prompt["confirmation_id"], "another-conversation").status_code == 403
    assert (
        stack.call(
            "POST",
            f"/v1/refunds/{prompt['confirmation_id']}/decision",
            role="agent",
            body={"decision": "confirm", "conversation_id": "conv-refund-e2e-4"},
        ).status_code
        == 403
    )
    assert _decide(stack, prompt["confirmation_id"], "conv-refund-e2e-4", "decline").json()["outcome"] == "declined"
    assert _refunds(stack, "ORDER-SETTLEMENT-CARD-001") == 0 and _refunds(stack, "ORDER-SETTLEMENT-VA-001") == 0
