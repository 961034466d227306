"""MCP over HTTP through the local stack (its own, so seeded orders are fresh), with the official MCP client:
tools/list follows the admin's configuration, every tool's happy path, cancel and refund end to end, concurrent
duplicate confirmations give exactly one refund, hostile arguments never reach Midtrans, other roles and
unconnected tenants get nothing, and the turn guard."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from mcp import Client

from midtrans_local.tokens import issue_dev_token
from tests.mcp_client import agent_headers, run, structured, text

from .conftest import RunningStack, start_stack, stop_stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def mcp_stack() -> Iterator[RunningStack]:
    running = start_stack({"MIDTRANS_READ_TIMEOUT_SECONDS": "2"})
    yield running
    stop_stack(running)


def mcp(stack: RunningStack, script: Any, *, role: str = "ai_agent", cid: str = "tenant-demo", **headers: Any) -> Any:
    auth = {"Authorization": f"Bearer {issue_dev_token(cid, role)}"}
    return run(script, url=f"{stack.api}/mcp", headers={**auth, **agent_headers(**headers)})


def calls_to(stack: RunningStack, suffix: str, order_id: str) -> int:
    return sum(
        1
        for c in stack.midtrans_calls()
        if c["method"] == "POST" and c["path"].endswith(suffix) and c["order_id"] == order_id
    )


async def names(client: Client) -> list[str]:
    return [tool.name for tool in (await client.list_tools()).tools]


def test_tools_list_follows_the_admins_configuration(mcp_stack: RunningStack) -> None:
    everything = mcp(mcp_stack, names)
    assert everything == [
        "check_payment_status",
        "create_payment_link",
        "cancel_transaction",
        "cancel_transaction_decision",
        "request_refund",
        "request_refund_decision",
    ]
    actions = mcp_stack.call("GET", "/v1/actions", role="admin").json()["actions"]
    link = next(a for a in actions if a["action_type"] == "create_payment_link")
    renamed = {"action_name": "Kirim link bayar", "trigger_description": "Pelanggan minta link pembayaran"}
    assert mcp_stack.call("PUT", f"/v1/actions/{link['action_id']}", role="admin", body=renamed).status_code == 200

    async def link_description(client: Client) -> str:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        return str(tools["create_payment_link"].description)

    described = mcp(mcp_stack, link_description)
    assert '"Kirim link bayar"' in described and "Pelanggan minta link pembayaran" in described

    assert mcp_stack.call("DELETE", f"/v1/actions/{link['action_id']}", role="admin").status_code == 200
    assert "create_payment_link" not in mcp(mcp_stack, names)
    added = {"action_type": "create_payment_link", **renamed}
    assert mcp_stack.call("POST", "/v1/actions", role="admin", body=added).status_code == 201
    assert mcp(mcp_stack, names) == everything


def test_status_and_payment_link_happy_paths(mcp_stack: RunningStack) -> None:
    async def script(client: Client) -> Any:
        await client.list_tools()  # the client then validates structuredContent against each outputSchema
        status = await client.call_tool("check_payment_status", {"order_id": "ORDER-SETTLEMENT-CARD-001"})
        link = await client.call_tool(
            "create_payment_link", {"transaction_details": {"order_id": "ORDER-MCP-LINK-1", "gross_amount": 125000}}
        )
        return status, link

    status, link = mcp(mcp_stack, script, **{"X-Channel-Type": "whatsapp"})
    assert structured(status)["outcome"] == "ok" and text(status) == structured(status)["message"]
    answer = structured(link)
    assert answer["outcome"] == "ok" and answer["channel_type"] == "whatsapp"
    assert answer["delivery"]["type"] == "interactive"


def test_cancel_flow_over_mcp(mcp_stack: RunningStack) -> None:
    async def script(client: Client) -> Any:
        await client.list_tools()
        prompt = await client.call_tool("cancel_transaction", {"order_id": "ORDER-AUTHORIZE-CARD-001"})
        decided = await client.call_tool(
            "cancel_transaction_decision",
            {"confirmation_id": structured(prompt)["confirmation_id"], "decision": "confirm"},
        )
        return prompt, decided

    prompt, decided = mcp(mcp_stack, script, conversation_id="conv-mcp-cancel")
    assert structured(prompt)["outcome"] == "confirmation_required"
    assert structured(decided)["outcome"] == "cancelled"
    assert calls_to(mcp_stack, "/cancel", "ORDER-AUTHORIZE-CARD-001") == 1


def test_concurrent_duplicate_confirmations_give_exactly_one_refund(mcp_stack: RunningStack) -> None:
    order_id = "ORDER-SETTLEMENT-GOPAY-001"

    async def ask(client: Client) -> Any:
        return await client.call_tool("request_refund", {"order_id": order_id})

    prompt = structured(mcp(mcp_stack, ask, conversation_id="conv-mcp-refund"))
    assert prompt["outcome"] == "confirmation_required"

    async def confirm(client: Client) -> Any:
        return await client.call_tool(
            "request_refund_decision", {"confirmation_id": prompt["confirmation_id"], "decision": "confirm"}
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: mcp(mcp_stack, confirm, conversation_id="conv-mcp-refund"), range(8)))
    outcomes = [structured(r)["outcome"] for r in results if not r.is_error]
    assert outcomes and set(outcomes) == {"refunded"}
    # Any that lost the race while the first ran got "in progress" as a tool error, never a second refund.
    assert all("progress" in text(r).lower() or "sedang" in text(r).lower() for r in results if r.is_error)
    assert calls_to(mcp_stack, "/refund", order_id) == 1


def test_hostile_arguments_are_tool_errors_that_never_reach_midtrans(mcp_stack: RunningStack) -> None:
    hostile = [
        ("request_refund", {"order_id": "../../v2/ORDER-SETTLEMENT-CARD-001"}),
        ("request_refund", {"order_id": "ORDER-SETTLEMENT-CARD-001", "amount": "1e9"}),
        ("request_refund", {"order_id": "ORDER-SETTLEMENT-CARD-001", "conversation_id": "conv-victim"}),
        ("cancel_transaction_decision", {"confirmation_id": "not-a-uuid", "decision": "confirm"}),
        ("create_payment_link", {"transaction_details": {"gross_amount": -5}}),
    ]
    before = len(mcp_stack.midtrans_calls())

    async def script(client: Client) -> list[Any]:
        return [await client.call_tool(name, arguments) for name, arguments in hostile]

    results = mcp(mcp_stack, script, conversation_id="conv-mcp-hostile", **{"X-Channel-Type": "web_chat"})
    assert [r.is_error for r in results] == [True] * len(hostile)
    assert len(mcp_stack.midtrans_calls()) == before


@pytest.mark.parametrize("role", ["admin", "spv", "agent"])
def test_other_roles_get_nothing(mcp_stack: RunningStack, role: str) -> None:
    token = issue_dev_token("tenant-demo", role)
    response = requests.post(
        f"{mcp_stack.api}/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"},
        timeout=10,
    )
    assert response.status_code == 403
    assert "check_payment_status" not in response.text


def test_an_unconnected_tenant_gets_nothing(mcp_stack: RunningStack) -> None:
    response = requests.post(
        f"{mcp_stack.api}/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Authorization": f"Bearer {issue_dev_token('tenant-nobody', 'ai_agent')}"},
        timeout=10,
    )
    assert response.status_code == 409
    assert response.json()["error"] == "not_connected"


def test_the_turn_guard(mcp_stack: RunningStack) -> None:
    order_id = "ORDER-PENDING-GOPAY-001"

    async def ask(client: Client) -> Any:
        return await client.call_tool("cancel_transaction", {"order_id": order_id})

    confirmation_id = structured(mcp(mcp_stack, ask, conversation_id="conv-mcp-turn", message_id="wamid.A"))[
        "confirmation_id"
    ]

    async def confirm(client: Client) -> Any:
        return await client.call_tool(
            "cancel_transaction_decision", {"confirmation_id": confirmation_id, "decision": "confirm"}
        )

    same = mcp(mcp_stack, confirm, conversation_id="conv-mcp-turn", message_id="wamid.A")
    assert same.is_error is True and calls_to(mcp_stack, "/cancel", order_id) == 0
    later = mcp(mcp_stack, confirm, conversation_id="conv-mcp-turn", message_id="wamid.B")
    assert structured(later)["outcome"] == "cancelled" and calls_to(mcp_stack, "/cancel", order_id) == 1


def test_the_banners_mcp_client_configuration_works_as_printed(mcp_stack: RunningStack) -> None:
    output = "".join(mcp_stack.output)
    line = next(line for line in output.splitlines() if line.strip().startswith('{"mcpServers"'))
    server = json.loads(line)["mcpServers"]["midtrans-native"]
    assert server["url"] == f"{mcp_stack.api}/mcp"
    assert server["headers"]["X-Conversation-Id"] and server["headers"]["Authorization"].startswith("Bearer ")
    assert run(names, url=server["url"], headers=server["headers"])[0] == "check_payment_status"
