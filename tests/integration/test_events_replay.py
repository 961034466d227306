"""Every file in events/ replayed through its handler, the way `make invoke` does it: the local stack
in-process (moto tables from the template, the Midtrans simulator, tenant-demo connected)."""

from __future__ import annotations

import json

import pytest

from midtrans_local.server import LocalStack
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
}
# file stem → (HTTP status, `outcome` / `status` / `error` the body must carry)
EXPECTED = {
    "check_payment_status.settlement": (200, "ok"),
    "check_payment_status.pending_id": (200, "ok"),
    "check_payment_status.not_found": (200, "not_found"),
    "check_payment_status.needs_order_id": (200, "needs_order_id"),
    "check_payment_status.invalid_order_id": (422, "invalid_request"),
    "check_payment_status.malformed_body": (422, "invalid_request"),
    "check_payment_status.human_agent_forbidden": (403, "forbidden"),
    "check_payment_status.context_headers": (200, "ok"),
    "check_payment_status.context_mismatch": (422, "invalid_request"),
    "check_payment_status.missing_conversation": (422, "invalid_request"),
    # Failure-named link fixtures fail only when a test injects a simulator fault; replayed plainly they succeed.
    **{
        f"create_payment_link.{name}": (200, "ok")
        for name in (
            "whatsapp",
            "duplicate_order",
            "web_chat",
            "missing_items",
            "timeout",
            "midtrans_invalid",
            "auth_error",
            "rate_limited",
            "api_error",
        )
    },
    **{
        f"create_payment_link.{name}": (422, "invalid_request")
        for name in ("mismatched_sum", "negative_price", "html_item_name")
    },
    "cancel_transaction.request_pending": (200, "confirmation_required"),
    "cancel_transaction.request_settled": (200, "not_eligible"),
    "cancel_transaction.request_needs_order_id": (200, "needs_order_id"),
    "cancel_transaction.request_not_found": (200, "not_found"),
    # The fixtures carry a fixed confirmation id no store has: the decision is refused and nothing is sent.
    "cancel_transaction.decide_confirm": (404, "confirmation_not_found"),
    "cancel_transaction.decide_decline": (404, "confirmation_not_found"),
    "cancel_transaction.decide_invalid_id": (422, "invalid_request"),
    "request_refund.request_full": (200, "confirmation_required"),
    "request_refund.request_partial": (200, "confirmation_required"),
    "request_refund.request_va_not_eligible": (200, "not_eligible"),
    "request_refund.request_pending_not_eligible": (200, "not_eligible"),
    "request_refund.request_amount_too_large": (422, "amount_exceeds_remainder"),
    "request_refund.request_fractional_amount": (422, "invalid_request"),
    "request_refund.request_needs_order_id": (200, "needs_order_id"),
    "request_refund.decide_confirm": (404, "confirmation_not_found"),
    "request_refund.decide_decline": (404, "confirmation_not_found"),
    "request_refund.decide_invalid_id": (422, "invalid_request"),
    "actions.list": (200, None),
    "actions.list_action_types": (200, None),
    "agent_tools.list": (200, None),
    "agent_tools.list_openai": (200, None),
    "agent_tools.list_anthropic": (200, None),
    "agent_tools.human_agent_forbidden": (403, "forbidden"),
    "mcp_server.tools_list": (200, None),
    "mcp_server.call_check_payment_status": (200, "ok"),  # the tool result's structuredContent.outcome
    "mcp_server.human_agent_forbidden": (403, "forbidden"),
    # The seeded tenant already has all four types: adding another is a conflict.
    "actions.create_payment_link": (409, "action_type_taken"),
    "actions.create_check_status": (409, "action_type_taken"),
    "actions.create_later_phase": (422, "invalid_request"),
    "actions.create_missing_fields": (422, "invalid_request"),
    "actions.get": (404, "action_not_found"),
    "actions.update": (404, "action_not_found"),
    "actions.delete": (404, "action_not_found"),
    "actions.agent_forbidden": (403, "forbidden"),
    "connection.put_sandbox": (200, "connected"),
    "connection.put_wrong_key": (400, "connection_failed"),
    "connection.put_environment_mismatch": (422, "environment_mismatch"),
    "connection.get": (200, "connected"),
    "connection.ai_agent_forbidden": (403, "forbidden"),
    "connection.delete": (200, "not_connected"),  # last: it disconnects tenant-demo
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


def test_every_event_replays_through_its_handler() -> None:
    stack = LocalStack(template_path=str(ROOT / "template.yaml"), port=0, log_level="WARNING")
    stack.start()
    try:
        assert stack.seed_status == 200
        results = {}
        for name in EXPECTED:  # dict order: the disconnect runs last
            event = json.loads((EVENTS / f"{name}.json").read_text())
            response = stack.invoke(FUNCTIONS[name.split(".")[0]], event)
            body = json.loads(response["body"])
            tool_result = (body.get("result") or {}).get("structuredContent") or {}  # MCP: a JSON-RPC response
            said = body.get("outcome") or body.get("error") or body.get("status") or tool_result.get("outcome")
            results[name] = (response["statusCode"], said)
    finally:
        stack.stop()
    assert results == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_event_claims_name_a_tenant_and_role(name: str) -> None:
    event = json.loads((EVENTS / f"{name}.json").read_text())
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["cid"] and claims["role"] in {"admin", "spv", "agent", "ai_agent"}
