"""Every file in events/ replayed through its handler the way `make invoke` does it (midtrans_local.invoke's stack
and call: in-process, moto tables from the template, the Midtrans simulator, tenant-demo connected, the scenario
confirmations seeded), and each one's outcome is the one its name says."""

from __future__ import annotations

import json
from typing import Any

import pytest

from midtrans_local.invoke import invoke_event, invoke_stack
from midtrans_local.template import SamTemplate
from tests.conftest import EVENTS, ROOT

FUNCTIONS = {
    "check_payment_status": "CheckPaymentStatusFunction",
    "create_payment_link": "CreatePaymentLinkFunction",
    "cancel_transaction": "CancelTransactionFunction",
    "request_refund": "RequestRefundFunction",
    "connection": "ConnectionFunction",
    "actions": "ActionsFunction",
    "agent_tools": "AgentToolsFunction",
    "mcp_server": "McpFunction",
    "midtrans_notifications": "MidtransNotificationsFunction",
}
# file stem → (HTTP status, `outcome` / `status` / `error` the body must carry, its `failure_reason` or None).
# Every name says its outcome: the failures come from the simulator's scenario orders (ORDER-SCENARIO-TIMEOUT, …)
# and the decisions from the confirmations the stack seeds for them (midtrans_local.scenarios), no setup here.
EXPECTED: dict[str, tuple[int, str | None, str | None]] = {
    "check_payment_status.settlement": (200, "ok", None),
    "check_payment_status.pending_id": (200, "ok", None),
    "check_payment_status.not_found": (200, "not_found", None),
    "check_payment_status.needs_order_id": (200, "needs_order_id", None),
    "check_payment_status.invalid_order_id": (422, "invalid_request", None),
    "check_payment_status.malformed_body": (422, "invalid_request", None),
    "check_payment_status.human_agent_forbidden": (403, "forbidden", None),
    "check_payment_status.context_headers": (200, "ok", None),
    "check_payment_status.context_mismatch": (422, "invalid_request", None),
    "check_payment_status.missing_conversation": (422, "invalid_request", None),
    "create_payment_link.whatsapp": (200, "ok", None),
    "create_payment_link.web_chat": (200, "ok", None),
    "create_payment_link.without_items": (200, "ok", None),
    "create_payment_link.duplicate_order": (409, "order_id_taken", None),
    "create_payment_link.timeout": (200, "failed", "timeout"),
    "create_payment_link.midtrans_invalid": (200, "failed", "invalid_request"),
    "create_payment_link.auth_error": (200, "failed", "auth_error"),
    "create_payment_link.rate_limited": (200, "failed", "rate_limited"),
    "create_payment_link.api_error": (200, "failed", "api_error"),
    "create_payment_link.mismatched_sum": (422, "invalid_request", None),
    "create_payment_link.negative_price": (422, "invalid_request", None),
    "create_payment_link.html_item_name": (422, "invalid_request", None),
    "cancel_transaction.request_pending": (200, "confirmation_required", None),
    "cancel_transaction.request_settled": (200, "not_eligible", None),
    "cancel_transaction.request_needs_order_id": (200, "needs_order_id", None),
    "cancel_transaction.request_not_found": (200, "not_found", None),
    "cancel_transaction.decide_confirm": (200, "cancelled", None),
    "cancel_transaction.decide_decline": (200, "declined", None),
    "cancel_transaction.decide_invalid_id": (422, "invalid_request", None),
    "request_refund.request_full": (200, "confirmation_required", None),
    "request_refund.request_partial": (200, "confirmation_required", None),
    "request_refund.request_va_not_eligible": (200, "not_eligible", None),
    "request_refund.request_pending_not_eligible": (200, "not_eligible", None),
    "request_refund.request_amount_too_large": (422, "amount_exceeds_remainder", None),
    "request_refund.request_fractional_amount": (422, "invalid_request", None),
    "request_refund.request_needs_order_id": (200, "needs_order_id", None),
    "request_refund.decide_confirm": (200, "refunded", None),
    "request_refund.decide_decline": (200, "declined", None),
    "request_refund.decide_invalid_id": (422, "invalid_request", None),
    "actions.list": (200, None, None),
    "actions.list_action_types": (200, None, None),
    "agent_tools.list": (200, None, None),
    "agent_tools.list_openai": (200, None, None),
    "agent_tools.list_anthropic": (200, None, None),
    "agent_tools.human_agent_forbidden": (403, "forbidden", None),
    "mcp_server.tools_list": (200, None, None),
    "mcp_server.call_check_payment_status": (200, "ok", None),  # the tool result's structuredContent.outcome
    "mcp_server.human_agent_forbidden": (403, "forbidden", None),
    # The seeded tenant already has all four types: adding another is a conflict.
    "actions.create_payment_link_taken": (409, "action_type_taken", None),
    "actions.create_check_status_taken": (409, "action_type_taken", None),
    "actions.create_later_phase": (422, "invalid_request", None),
    "actions.create_missing_fields": (422, "invalid_request", None),
    "actions.get_unknown": (404, "action_not_found", None),
    "actions.update_unknown": (404, "action_not_found", None),
    "actions.delete_unknown": (404, "action_not_found", None),
    "actions.agent_forbidden": (403, "forbidden", None),
    "connection.put_sandbox": (200, "connected", None),
    "connection.put_wrong_key": (400, "connection_failed", "auth_error"),
    "connection.put_environment_mismatch": (422, "environment_mismatch", None),
    "connection.get": (200, "connected", None),
    "connection.ai_agent_forbidden": (403, "forbidden", None),
    # The seeded tenant's URL (invoke substitutes the placeholder token); the simulator's seeded settlement.
    "midtrans_notifications.settlement": (200, "accepted", None),
    "midtrans_notifications.bad_signature": (401, "bad_signature", None),
    "midtrans_notifications.bisnap_debit_without_public_key": (401, None, None),  # BI-SNAP's envelope: responseCode
    "midtrans_notifications.bisnap_qr_without_public_key": (401, None, None),
    "connection.delete": (200, "not_connected", None),  # last: it disconnects tenant-demo
}


# The local stack serves HttpApi routes only: events of functions that EventBridge invokes are replayed by their
# own tests (the flag-rollback alarm events by tests/unit/test_flag_rollback.py, against a stubbed AppConfig).
NOT_ROUTED = {"flag_rollback.alarm": "FlagRollbackFunction", "flag_rollback.back_to_ok": "FlagRollbackFunction"}


def test_every_event_file_has_an_expectation() -> None:
    routed = {path.stem for path in EVENTS.glob("*.json") if path.stem.split(".")[0] in FUNCTIONS}
    assert routed == set(EXPECTED)
    assert {path.stem for path in EVENTS.glob("*.json")} - routed == set(NOT_ROUTED)


def test_replayed_functions_are_exactly_the_routed_ones() -> None:
    template = SamTemplate.load(ROOT / "template.yaml")
    routed = {route.function_id for route in template.routes}
    assert set(FUNCTIONS.values()) == routed
    assert set(NOT_ROUTED.values()) == set(template.functions) - routed


def said(response: dict[str, Any]) -> tuple[int, str | None, str | None]:
    body = json.loads(response["body"])
    tool_result = (body.get("result") or {}).get("structuredContent") or {}  # MCP: a JSON-RPC response
    outcome = body.get("outcome") or body.get("error") or body.get("status") or tool_result.get("outcome")
    return response["statusCode"], outcome, body.get("failure_reason")


def test_every_event_replays_to_the_outcome_its_name_says() -> None:
    """`make invoke FUNCTION=… EVENT=events/<file>` for every file, through invoke's own stack and call (one start
    for all: each fixture acts on its own order or confirmation, so none changes another's outcome)."""
    stack = invoke_stack(ROOT / "template.yaml")
    stack.start()
    try:
        assert stack.seed_status == 200
        assert len(stack.scenario_confirmations) == 4
        results = {}
        for name in EXPECTED:  # dict order: the disconnect runs last
            event = json.loads((EVENTS / f"{name}.json").read_text())
            results[name] = said(invoke_event(stack, FUNCTIONS[name.split(".")[0]], event))
    finally:
        stack.stop()
    assert results == EXPECTED


# Midtrans' notifications carry no JWT (their routes have no authorizer): the token in the path names the tenant.
UNAUTHENTICATED = {name for name in EXPECTED if name.startswith("midtrans_notifications.")}


@pytest.mark.parametrize("name", sorted(UNAUTHENTICATED))
def test_notification_events_carry_no_claims(name: str) -> None:
    event = json.loads((EVENTS / f"{name}.json").read_text())
    assert "authorizer" not in event["requestContext"] and event["pathParameters"]["token"]


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - UNAUTHENTICATED))
def test_event_claims_name_a_tenant_and_role(name: str) -> None:
    event = json.loads((EVENTS / f"{name}.json").read_text())
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["cid"] and claims["role"] in {"admin", "spv", "agent", "ai_agent"}
