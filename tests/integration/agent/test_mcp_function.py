"""POST /mcp in-process: the official MCP client → API Gateway events → McpFunction → the same operations as the
REST routes, against moto and the Midtrans simulator."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client, MCPError

from midtrans_local.simulator import MidtransSimulator
from midtrans_native import deps
from tests.conftest import load_event
from tests.integration.cancel.conftest import cancels_sent
from tests.integration.conftest import invoke
from tests.integration.refund.conftest import refunds_sent
from tests.mcp_client import agent_headers, lambda_transport, run, structured, text

AGENT = {"cid": "tenant-demo", "role": "ai_agent", "plan": "ultimate"}
ALL_TOOLS = [
    "check_payment_status",
    "create_payment_link",
    "cancel_transaction",
    "cancel_transaction_decision",
    "request_refund",
    "request_refund_decision",
]


def mcp(script: Any, *, claims: dict[str, str] | None = None, mode: str = "auto", **headers: Any) -> Any:
    return run(
        script, transport=lambda_transport({**AGENT, **(claims or {})}), headers=agent_headers(**headers), mode=mode
    )


async def listed_names(client: Client) -> list[str]:
    return [tool.name for tool in (await client.list_tools()).tools]


def midtrans_calls(sim: MidtransSimulator) -> int:
    return len(sim.calls())


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_tools_list_is_the_tenants_catalog_in_both_protocol_eras(sim: MidtransSimulator, mode: str) -> None:
    assert mcp(listed_names, mode=mode) == ALL_TOOLS


def test_tools_list_follows_the_admins_configuration(sim: MidtransSimulator) -> None:
    store = deps.action_store()
    cancel = store.of_type("tenant-demo", "cancel_transaction")
    assert cancel is not None
    store.delete("tenant-demo", cancel)
    assert mcp(listed_names) == [name for name in ALL_TOOLS if not name.startswith("cancel")]
    store.create(
        "tenant-demo", action_type="cancel_transaction", action_name="Batal", trigger_description="x", defaults=None
    )

    async def described(client: Client) -> str:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        return str(tools["cancel_transaction"].description)

    assert '"Batal"' in mcp(described)


def test_check_payment_status_answers_with_the_message_and_the_rest_fields(sim: MidtransSimulator) -> None:
    async def script(client: Client) -> Any:
        await client.list_tools()  # the client validates structuredContent against the listed outputSchema
        return await client.call_tool("check_payment_status", {"order_id": "ORDER-SETTLEMENT-GOPAY-001"})

    result = mcp(script, language="id")
    assert result.is_error is False
    answer = structured(result)
    assert answer["outcome"] == "ok" and answer["locale"] == "id"
    assert text(result) == answer["message"]
    assert answer["payment"]["transaction_status"] == "settlement"


def test_business_outcomes_are_normal_results(sim: MidtransSimulator) -> None:
    async def script(client: Client) -> Any:
        await client.list_tools()
        return await client.call_tool("check_payment_status", {"order_id": "ORDER-DOES-NOT-EXIST"})

    result = mcp(script)
    assert result.is_error is False
    assert structured(result)["outcome"] == "not_found"


def test_the_whole_cancel_flow_over_mcp_cancels_exactly_once(sim: MidtransSimulator) -> None:
    async def script(client: Client) -> Any:
        await client.list_tools()
        prompt = await client.call_tool("cancel_transaction", {"order_id": "ORDER-PENDING-001"})
        confirmation_id = structured(prompt)["confirmation_id"]
        first = await client.call_tool(
            "cancel_transaction_decision", {"confirmation_id": confirmation_id, "decision": "confirm"}
        )
        again = await client.call_tool(
            "cancel_transaction_decision", {"confirmation_id": confirmation_id, "decision": "confirm"}
        )
        return prompt, first, again

    prompt, first, again = mcp(script)
    assert structured(prompt)["outcome"] == "confirmation_required"
    assert text(prompt) == structured(prompt)["message"]
    assert structured(first)["outcome"] == "cancelled"
    assert structured(again)["replayed"] is True
    assert cancels_sent(sim, "ORDER-PENDING-001") == 1


def test_the_whole_refund_flow_over_mcp_refunds_exactly_once(sim: MidtransSimulator) -> None:
    async def script(client: Client) -> Any:
        await client.list_tools()
        prompt = await client.call_tool("request_refund", {"order_id": "ORDER-SETTLEMENT-GOPAY-001", "amount": 50000})
        confirmation_id = structured(prompt)["confirmation_id"]
        decided = await client.call_tool(
            "request_refund_decision", {"confirmation_id": confirmation_id, "decision": "confirm"}
        )
        return prompt, decided

    prompt, decided = mcp(script)
    assert structured(prompt)["amount"] == 50000
    assert structured(decided)["outcome"] == "refunded"
    assert [call["request_body"]["amount"] for call in refunds_sent(sim, "ORDER-SETTLEMENT-GOPAY-001")] == [50000]


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"order_id": "ORDER 1; DROP"}, "order_id"),
        ({"order_id": "ORDER-SETTLEMENT-GOPAY-001", "amount": 1.5}, "amount"),
        ({"order_id": "ORDER-SETTLEMENT-GOPAY-001", "amount": -1}, "amount"),
        ({"order_id": "ORDER-SETTLEMENT-GOPAY-001", "conversation_id": "conv-someone-else"}, "conversation_id"),
        ({"order_id": "ORDER-SETTLEMENT-GOPAY-001", "cid": "tenant-b"}, "cid"),
        ({"order_id": {"nested": ["x" * 10_000]}}, "order_id"),
    ],
)
def test_hostile_arguments_are_tool_errors_that_never_reach_midtrans(
    sim: MidtransSimulator, arguments: dict[str, Any], named: str
) -> None:
    before = midtrans_calls(sim)
    result = mcp(lambda client: client.call_tool("request_refund", arguments))
    assert result.is_error is True
    assert named in text(result)
    assert "DROP" not in text(result) and "conv-someone-else" not in text(result)
    assert midtrans_calls(sim) == before


def test_unknown_and_unconfigured_tools_are_tool_errors(sim: MidtransSimulator) -> None:
    store = deps.action_store()
    refund = store.of_type("tenant-demo", "request_refund")
    assert refund is not None
    store.delete("tenant-demo", refund)

    async def script(client: Client) -> Any:
        unconfigured = await client.call_tool("request_refund", {"order_id": "ORDER-SETTLEMENT-GOPAY-001"})
        try:
            await client.call_tool("transfer_money", {})
        except MCPError as unknown:
            return unconfigured, unknown
        raise AssertionError("an unknown tool must be refused")

    before = midtrans_calls(sim)
    unconfigured, unknown = mcp(script)
    # Not configured: a tool error naming the action; not a tool at all: the protocol's INVALID_PARAMS.
    assert unconfigured.is_error is True and "Request Refund" in text(unconfigured)
    assert unknown.error.code == -32602 and unknown.error.message == "Unknown tool"
    assert midtrans_calls(sim) == before


def test_the_conversation_must_come_from_the_platform(sim: MidtransSimulator) -> None:
    result = mcp(lambda client: client.call_tool("check_payment_status", {"order_id": "X-1"}), conversation_id=None)
    assert result.is_error is True
    assert "X-Conversation-Id" in text(result)


def test_a_foreign_confirmation_is_a_tool_error(sim: MidtransSimulator) -> None:
    async def ask(client: Client) -> Any:
        return await client.call_tool("cancel_transaction", {"order_id": "ORDER-PENDING-001"})

    confirmation_id = structured(mcp(ask, conversation_id="conv-a"))["confirmation_id"]

    async def hijack(client: Client) -> Any:
        return await client.call_tool(
            "cancel_transaction_decision", {"confirmation_id": confirmation_id, "decision": "confirm"}
        )

    result = mcp(hijack, conversation_id="conv-b")
    assert result.is_error is True
    assert cancels_sent(sim, "ORDER-PENDING-001") == 0


def test_the_turn_guard_over_mcp(sim: MidtransSimulator) -> None:
    async def ask(client: Client) -> Any:
        return await client.call_tool("cancel_transaction", {"order_id": "ORDER-PENDING-001"})

    confirmation_id = structured(mcp(ask, message_id="wamid-1"))["confirmation_id"]

    async def confirm(client: Client) -> Any:
        return await client.call_tool(
            "cancel_transaction_decision", {"confirmation_id": confirmation_id, "decision": "confirm"}
        )

    same_turn = mcp(confirm, message_id="wamid-1")
    assert same_turn.is_error is True
    assert cancels_sent(sim, "ORDER-PENDING-001") == 0
    next_turn = mcp(confirm, message_id="wamid-2")
    assert structured(next_turn)["outcome"] == "cancelled"
    assert cancels_sent(sim, "ORDER-PENDING-001") == 1


def raw_post(claims: dict[str, str], body: Any) -> tuple[int, Any]:
    event = load_event("mcp_server.tools_list")
    event["requestContext"]["authorizer"]["jwt"]["claims"].update(claims)
    event["body"] = json.dumps(body)
    return invoke("mcp_server", event)


@pytest.mark.parametrize("role", ["admin", "spv", "agent"])
def test_other_roles_get_nothing(sim: MidtransSimulator, role: str) -> None:
    status, body = raw_post({"role": role}, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert status == 403, body
    assert "tools" not in json.dumps(body)


def test_an_unconnected_tenant_gets_nothing(sim: MidtransSimulator) -> None:
    status, body = raw_post({"cid": "tenant-nobody"}, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert status == 409, body
    assert body["error"] == "not_connected"


def test_the_event_fixtures_mean_what_they_say(sim: MidtransSimulator) -> None:
    status, body = invoke("mcp_server", load_event("mcp_server.tools_list"))
    assert status == 200, body
    assert [tool["name"] for tool in body["result"]["tools"]] == ALL_TOOLS
    status, body = invoke("mcp_server", load_event("mcp_server.call_check_payment_status"))
    assert status == 200, body
    assert body["result"]["structuredContent"]["outcome"] == "ok"
    assert body["result"]["content"][0]["text"] == body["result"]["structuredContent"]["message"]
    status, body = invoke("mcp_server", load_event("mcp_server.human_agent_forbidden"))
    assert status == 403, body
