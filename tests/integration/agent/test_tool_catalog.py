"""GET /v1/agent/tools: the tenant's configured actions as LLM tools, following the admin's configuration."""

from __future__ import annotations

from typing import Any

import pytest

from midtrans_local.simulator import MidtransSimulator
from midtrans_native import deps
from midtrans_native.models.api import CONTEXT_FIELDS
from midtrans_native.registry import ACTION_TYPES
from tests.conftest import load_event
from tests.integration.conftest import invoke

ALL_TOOLS = [tool.name for spec in ACTION_TYPES for tool in spec.tools]


def tools(event: str = "agent_tools.list", **kwargs: Any) -> list[dict[str, Any]]:
    status, body = invoke("agent_tools", load_event(event, **kwargs))
    assert status == 200, body
    return list(body["tools"])


def test_the_catalog_lists_every_configured_actions_tools_in_mcp_shape(sim: MidtransSimulator) -> None:
    listed = tools()
    assert (
        [tool["name"] for tool in listed]
        == ALL_TOOLS
        == [
            "check_payment_status",
            "create_payment_link",
            "cancel_transaction",
            "cancel_transaction_decision",
            "request_refund",
            "request_refund_decision",
        ]
    )
    for tool in listed:
        assert set(tool) == {"name", "title", "description", "inputSchema", "outputSchema", "annotations"}
        assert tool["inputSchema"]["type"] == "object" and tool["outputSchema"]["type"] == "object"


def test_descriptions_carry_the_admins_name_and_trigger_and_the_rules(sim: MidtransSimulator) -> None:
    by_name = {tool["name"]: tool for tool in tools()}
    status = by_name["check_payment_status"]["description"]
    assert "check_payment_status (tenant-demo)" in status  # the admin's action name (configure_actions)
    assert "When the customer asks to check payment status" in status  # the trigger description
    assert "Show `message` to the customer exactly as given" in status
    prompt = by_name["request_refund"]["description"]
    assert "request_refund_decision" in prompt and "new message" in prompt
    decision = by_name["request_refund_decision"]["description"]
    assert "Never call this tool before the customer has answered" in decision
    assert "`confirmation_id`" in decision


def test_annotations(sim: MidtransSimulator) -> None:
    hints = {tool["name"]: tool["annotations"] for tool in tools()}
    assert hints["check_payment_status"]["readOnlyHint"] is True
    assert [name for name, hint in hints.items() if hint["destructiveHint"]] == [
        "cancel_transaction_decision",
        "request_refund_decision",
    ]
    assert hints["cancel_transaction_decision"]["idempotentHint"] is True
    assert hints["create_payment_link"]["readOnlyHint"] is False


def test_input_schemas_hold_only_what_the_customer_gives(sim: MidtransSimulator) -> None:
    forbidden = {*CONTEXT_FIELDS, "cid", "tenant", "customer_message_id"}

    def names(schema: Any) -> set[str]:
        found: set[str] = set()
        if isinstance(schema, dict):
            found |= set(schema.get("properties", {}))
            for value in schema.values():
                found |= names(value)
        elif isinstance(schema, list):
            for value in schema:
                found |= names(value)
        return found

    for tool in tools():
        assert names(tool["inputSchema"]) & forbidden == set(), tool["name"]


def test_a_removed_action_is_gone_on_the_next_call_and_an_added_one_appears(sim: MidtransSimulator) -> None:
    store = deps.action_store()
    refund = store.of_type("tenant-demo", "request_refund")
    assert refund is not None
    store.delete("tenant-demo", refund)
    assert [tool["name"] for tool in tools()] == ALL_TOOLS[:4]
    store.create(
        "tenant-demo",
        action_type="request_refund",
        action_name="Refunds for damaged goods",
        trigger_description="The customer received a damaged item",
        defaults=None,
    )
    listed = {tool["name"]: tool for tool in tools()}
    assert list(listed) == ALL_TOOLS
    assert "Refunds for damaged goods" in listed["request_refund"]["description"]


def test_openai_and_anthropic_shapes(sim: MidtransSimulator) -> None:
    mcp = {tool["name"]: tool for tool in tools()}
    openai = tools("agent_tools.list_openai")
    assert [tool["type"] for tool in openai] == ["function"] * len(ALL_TOOLS)
    for tool in openai:
        function = tool["function"]
        assert set(function) == {"name", "description", "parameters"}
        assert function["parameters"] == mcp[function["name"]]["inputSchema"]
    anthropic = tools("agent_tools.list_anthropic")
    for tool in anthropic:
        assert set(tool) == {"name", "description", "input_schema"}
        assert tool["input_schema"] == mcp[tool["name"]]["inputSchema"]


def test_an_unknown_format_is_422(sim: MidtransSimulator) -> None:
    event = load_event("agent_tools.list_openai")
    event["queryStringParameters"] = {"format": "xml"}
    event["rawQueryString"] = "format=xml"
    status, body = invoke("agent_tools", event)
    assert status == 422, body


@pytest.mark.parametrize("role", ["admin", "spv", "agent"])
def test_only_the_ai_agent_gets_the_catalog(sim: MidtransSimulator, role: str) -> None:
    status, body = invoke("agent_tools", load_event("agent_tools.list", claims={"role": role}))
    assert status == 403, body
    assert "tools" not in body


def test_an_unconnected_tenant_gets_no_tools(sim: MidtransSimulator) -> None:
    status, body = invoke("agent_tools", load_event("agent_tools.list", claims={"cid": "tenant-nobody"}))
    assert status == 409, body
    assert body["error"] == "not_connected"


def test_an_ineligible_plan_gets_no_tools(sim: MidtransSimulator) -> None:
    status, body = invoke("agent_tools", load_event("agent_tools.list", claims={"plan": "starter"}))
    assert status == 403, body
    assert body["error"] == "plan_not_eligible"


def test_no_tenant_sees_another_tenants_descriptions(sim: MidtransSimulator) -> None:
    from tests.integration.cancel.conftest import connect_tenant

    connect_tenant("tenant-b")
    listed = tools(claims={"cid": "tenant-b"})
    assert all("tenant-demo" not in tool["description"] for tool in listed)
    assert any("tenant-b" in tool["description"] for tool in listed)
