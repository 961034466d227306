"""POST /v1/payments/status through the handler: outcomes, failures, and bad input that never reaches Midtrans."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from tests.conftest import events_named, load_event

from .conftest import SANDBOX, invoke

STATUS_URL = f"{SANDBOX}/v2/ORDER-SETTLEMENT-GOPAY-001/status"
SETTLED = {
    "status_code": "200",
    "status_message": "Success, transaction is found",
    "transaction_id": "0d8178e1-c6c1-4ab0-a1f4-4f2c1a3b0001",
    "order_id": "ORDER-SETTLEMENT-GOPAY-001",
    "payment_type": "gopay",
    "transaction_time": "2026-11-20 10:15:00",
    "settlement_time": "2026-11-20 10:16:02",
    "transaction_status": "settlement",
    "fraud_status": "accept",
    "gross_amount": "150000.00",
    "currency": "IDR",
    "signature_key": "abc",
}


def test_settled_payment(connected: str, midtrans: responses.RequestsMock) -> None:
    midtrans.get(STATUS_URL, json=SETTLED)
    status, body = invoke("check_payment_status", load_event("check_payment_status.settlement"))
    assert status == 200 and body["outcome"] == "ok"
    assert body["payment"]["transaction_status"] == "settlement" and body["payment"]["gross_amount"] == 150000
    assert body["message"].startswith("The payment for order ORDER-SETTLEMENT-GOPAY-001 is paid.")


def test_pending_in_indonesian_with_uppercase_status(connected: str, midtrans: responses.RequestsMock) -> None:
    midtrans.get(
        f"{SANDBOX}/v2/ORDER-PENDING-001/status",
        json={**SETTLED, "order_id": "ORDER-PENDING-001", "status_code": "201", "transaction_status": "PENDING"},
    )
    status, body = invoke("check_payment_status", load_event("check_payment_status.pending_id"))
    assert (status, body["outcome"], body["locale"]) == (200, "ok", "id")
    assert "menunggu pembayaran" in body["message"]


def test_not_found_inside_http_200(connected: str, midtrans: responses.RequestsMock) -> None:
    midtrans.get(
        f"{SANDBOX}/v2/ORDER-DOES-NOT-EXIST-999/status",
        json={"status_code": "404", "status_message": "Transaction doesn't exist."},
    )
    status, body = invoke("check_payment_status", load_event("check_payment_status.not_found"))
    assert (status, body["outcome"]) == (200, "not_found")
    assert body["message"] == "I couldn't find a payment with that order ID. Please verify and try again."


def test_needs_order_id_makes_no_midtrans_call(connected: str, midtrans: responses.RequestsMock) -> None:
    status, body = invoke("check_payment_status", load_event("check_payment_status.needs_order_id"))
    assert (status, body["outcome"]) == (200, "needs_order_id")
    assert len(midtrans.calls) == 0


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"body": requests.ReadTimeout("slow")}, "timeout"),
        ({"status": 401, "json": {"status_code": "401", "status_message": "unauthorized"}}, "auth_error"),
        ({"status": 429, "json": {"message": "Too Many Requests"}}, "rate_limited"),
        ({"status": 500, "json": {"status_code": "500", "status_message": "Internal"}}, "api_error"),
        ({"status": 200, "body": '{"status_code": "200", "order_'}, "api_error"),
    ],
)
def test_failures_answer_with_reason_and_copy(
    connected: str, midtrans: responses.RequestsMock, answer: dict, reason: str
) -> None:
    for _ in range(3):  # safe call: up to 3 attempts inside the deadline
        midtrans.get(STATUS_URL, **answer)
    status, body = invoke("check_payment_status", load_event("check_payment_status.settlement"))
    assert (status, body["outcome"], body["failure_reason"]) == (200, "failed", reason)
    assert body["message"]


def test_not_connected_tenant_is_told_so(aws, midtrans: responses.RequestsMock) -> None:
    status, body = invoke("check_payment_status", load_event("check_payment_status.settlement"))
    assert (status, body["error"]) == (409, "not_connected")
    assert len(midtrans.calls) == 0


HOSTILE_ORDER_IDS = ["a/b", "..", "../../v1/payment-links", "a#b", "ORDER 1", "x" * 300, "ORD?x=1", "%2F", "ä"]


@pytest.mark.parametrize("order_id", HOSTILE_ORDER_IDS)
def test_hostile_order_ids_get_a_clear_422_and_never_reach_midtrans(
    connected: str, midtrans: responses.RequestsMock, order_id: str
) -> None:
    event = load_event("check_payment_status.settlement", body={"conversation_id": "c-1", "order_id": order_id})
    status, body = invoke("check_payment_status", event)
    assert status == 422 and body["error"] == "invalid_request"
    assert "order_id" in body["message"]
    assert len(midtrans.calls) == 0


@pytest.mark.parametrize(
    ("event_name", "body"),
    [
        ("check_payment_status.malformed_body", None),
        ("check_payment_status.invalid_order_id", None),
        ("check_payment_status.settlement", ""),
        ("check_payment_status.settlement", "[]"),
        ("check_payment_status.settlement", {"order_id": "ORDER-1"}),  # conversation_id missing
        ("check_payment_status.settlement", {"conversation_id": 5, "order_id": "ORDER-1"}),
        ("check_payment_status.settlement", {"conversation_id": "c", "order_id": 123}),
        ("check_payment_status.settlement", {"conversation_id": "c", "locale": "fr"}),
        ("check_payment_status.settlement", {"conversation_id": "c", "cid": "tenant-victim"}),
        ("check_payment_status.settlement", {"conversation_id": "has space"}),
    ],
)
def test_bad_bodies_get_422_never_500(connected: str, midtrans: responses.RequestsMock, event_name, body) -> None:
    status, answer = invoke("check_payment_status", load_event(event_name, body=body))
    assert status == 422, answer
    assert answer["error"] == "invalid_request" and answer["message"]
    assert len(midtrans.calls) == 0


def test_human_agents_cannot_trigger_actions(connected: str, midtrans: responses.RequestsMock) -> None:
    status, body = invoke("check_payment_status", load_event("check_payment_status.human_agent_forbidden"))
    assert (status, body["error"]) == (403, "forbidden")
    assert len(midtrans.calls) == 0


def test_missing_or_malformed_claims_are_401(connected: str) -> None:
    event = load_event("check_payment_status.settlement")
    event["requestContext"]["authorizer"] = None
    assert invoke("check_payment_status", event)[0] == 401
    bad = load_event("check_payment_status.settlement", claims={"cid": "tenant/../other"})
    assert invoke("check_payment_status", bad)[0] == 401


def test_the_tenant_comes_from_the_token_only(connected: str, midtrans: responses.RequestsMock) -> None:
    # tenant-other has no connection: the token's cid decides, whatever the request says.
    event = load_event("check_payment_status.settlement", claims={"cid": "tenant-other"})
    status, body = invoke("check_payment_status", event)
    assert (status, body["error"]) == (409, "not_connected")


def test_events_and_correlation_in_the_log(connected: str, midtrans: responses.RequestsMock, log_output) -> None:
    midtrans.get(STATUS_URL, json=SETTLED)
    invoke("check_payment_status", load_event("check_payment_status.settlement"))
    out = log_output.getvalue()
    [executed] = events_named(out, "midtrans_action_executed")
    [success] = events_named(out, "midtrans_action_success")
    assert executed["cid"] == "tenant-demo" and executed["conversation_id"] == "conv-1001"
    assert success["order_id"] == "ORDER-SETTLEMENT-GOPAY-001" and success["response_status"] == "200"
    assert json.loads(out.splitlines()[0]).get("correlation_id")  # API Gateway request id
