"""Payment links and the gates over HTTP through the local stack."""

from __future__ import annotations

import json

import pytest

from tests.conftest import EVENTS

from .conftest import RunningStack, start_stack, stop_stack

pytestmark = pytest.mark.e2e


def _link_body(scenario: str) -> dict:
    return dict(json.loads(json.loads((EVENTS / f"create_payment_link.{scenario}.json").read_text())["body"]))


def test_whatsapp_link_then_the_same_request_again(stack: RunningStack) -> None:
    body = _link_body("whatsapp")
    first = stack.call("POST", "/v1/payment-links", body=body)
    assert first.status_code == 200, first.text
    link = first.json()
    assert link["outcome"] == "ok" and link["payment_url"].startswith(stack.midtrans)
    action = link["delivery"]["interactive"]["action"]
    assert link["delivery"]["type"] == "interactive" and action["parameters"]["url"] == link["payment_url"]
    again = stack.call("POST", "/v1/payment-links", body=body).json()
    assert again["payment_url"] == link["payment_url"] and again["replayed"] is True
    creates = [
        c
        for c in stack.midtrans_calls()
        if c["method"] == "POST" and c["path"] == "/v1/payment-links" and c["order_id"] == link["order_id"]
    ]
    assert [c["status"] for c in creates] == [200, 409]  # one link; the repeat read it back


def test_web_chat_gets_a_text_with_the_link(stack: RunningStack) -> None:
    link = stack.call("POST", "/v1/payment-links", body=_link_body("web_chat")).json()
    assert link["delivery"]["type"] == "text" and link["payment_url"] in link["delivery"]["text"]["body"]


def test_a_mismatched_sum_never_reaches_midtrans(stack: RunningStack) -> None:
    before = len(stack.midtrans_calls())
    response = stack.call("POST", "/v1/payment-links", body=_link_body("mismatched_sum"))
    assert response.status_code == 422 and response.json()["error"] == "invalid_request"
    assert len(stack.midtrans_calls()) == before


@pytest.mark.parametrize(
    ("claims", "error"), [({"plan": "starter"}, "plan_not_eligible"), ({"role": "agent"}, "forbidden")]
)
def test_gates_over_http(stack: RunningStack, claims: dict, error: str) -> None:
    from midtrans_local.tokens import issue_dev_token

    token = issue_dev_token("tenant-demo", claims.get("role", "ai_agent"), plan=claims.get("plan", "ultimate"))
    before = len(stack.midtrans_calls())
    for path, body in [
        ("/v1/payments/status", {"conversation_id": "c", "order_id": "ORDER-PENDING-001"}),
        ("/v1/payment-links", _link_body("whatsapp")),
    ]:
        response = stack.call("POST", path, body=body, token=token)
        assert (response.status_code, response.json()["error"]) == (403, error)
    assert len(stack.midtrans_calls()) == before


def test_a_stack_with_the_flag_off_refuses_everything(tmp_path) -> None:
    off = tmp_path / "flags-off.json"
    off.write_text(json.dumps({"midtrans_native_integration": {"default": False}}))
    running = start_stack({"FEATURE_FLAGS_FILE": str(off)})
    try:
        status = running.call(
            "POST", "/v1/payments/status", body={"conversation_id": "c", "order_id": "ORDER-PENDING-001"}
        )
        assert (status.status_code, status.json()["error"]) == (403, "feature_disabled")
        admin = running.call("GET", "/v1/connection", role="admin")
        assert (admin.status_code, admin.json()["error"]) == (403, "feature_disabled")
        assert [c for c in running.midtrans_calls() if c["path"].startswith("/v2/")] == []
    finally:
        stop_stack(running)
