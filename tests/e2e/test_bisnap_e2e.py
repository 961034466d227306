"""The BI-SNAP tenant the local stack seeds (`tenant-bisnap`), over HTTP: status, cancel with confirmation and a
refund exactly once, each call signed with a token the simulator issued and verifies (issue 7's "done when").

Uses orders only BI-SNAP tests touch (the stack is shared by the session)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import RunningStack

pytestmark = pytest.mark.e2e
TENANT = "tenant-bisnap"


def agent(stack: RunningStack, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = stack.call("POST", path, cid=TENANT, body=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def snap_calls(stack: RunningStack, operation: str, order_id: str) -> list[dict[str, Any]]:
    return [c for c in stack.midtrans_calls() if c["operation"] == operation and c["order_id"] == order_id]


def test_the_bisnap_tenant_is_connected_in_bisnap_mode(stack: RunningStack) -> None:
    view = stack.call("GET", "/v1/connection", role="admin", cid=TENANT).json()
    assert (view["status"], view["mode"]) == ("connected", "bisnap")
    assert "tenant-bisnap" in "".join(stack.output)  # the banner names it


def test_status_over_bisnap(stack: RunningStack) -> None:
    answer = agent(
        stack, "/v1/payments/status", {"conversation_id": "c-e2e-snap", "order_id": "ORDER-PENDING-GOPAY-001"}
    )
    assert (answer["outcome"], answer["payment"]["transaction_status"]) == ("ok", "pending")
    assert snap_calls(stack, "bisnap_status", "ORDER-PENDING-GOPAY-001")
    assert not snap_calls(stack, "status", "ORDER-PENDING-GOPAY-001")  # not over Core API


def test_cancel_with_confirmation_over_bisnap(stack: RunningStack) -> None:
    order = "ORDER-PENDING-GOPAY-001"
    prompt = agent(stack, "/v1/cancellations", {"conversation_id": "c-e2e-snap", "order_id": order})
    assert prompt["outcome"] == "confirmation_required"
    assert snap_calls(stack, "bisnap_cancel", order) == []
    decision = {"decision": "confirm", "conversation_id": "c-e2e-snap"}
    done = agent(stack, f"/v1/cancellations/{prompt['confirmation_id']}/decision", decision)
    again = agent(stack, f"/v1/cancellations/{prompt['confirmation_id']}/decision", decision)
    assert (done["outcome"], again["replayed"]) == ("cancelled", True)
    assert len(snap_calls(stack, "bisnap_cancel", order)) == 1
    assert stack.simulator("GET", f"/transactions/{order}")["transaction_status"] == "cancel"


def test_refund_exactly_once_over_bisnap_qris(stack: RunningStack) -> None:
    order = "ORDER-SETTLEMENT-QRIS-001"
    prompt = agent(stack, "/v1/refunds", {"conversation_id": "c-e2e-snap", "order_id": order})
    assert (prompt["outcome"], prompt["amount"]) == ("confirmation_required", 100000)
    decision = {"decision": "confirm", "conversation_id": "c-e2e-snap"}
    answers = [agent(stack, f"/v1/refunds/{prompt['confirmation_id']}/decision", decision) for _ in range(3)]
    assert [a["outcome"] for a in answers] == ["refunded"] * 3
    refunds = snap_calls(stack, "bisnap_refund", order)
    assert len(refunds) == 1
    assert refunds[0]["request_body"]["partnerRefundNo"] == answers[0]["refund_key"]
    assert stack.simulator("GET", f"/transactions/{order}")["transaction_status"] == "refund"


def test_one_token_serves_the_tenant(stack: RunningStack) -> None:
    agent(stack, "/v1/payments/status", {"conversation_id": "c-e2e-snap", "order_id": "ORDER-SETTLEMENT-QRIS-001"})
    counts = stack.simulator("GET", "/bisnap/token-requests")
    assert counts["by_client"] == {"LOCAL-BISNAP-CLIENT": 1}  # the one the connect obtained, reused since
