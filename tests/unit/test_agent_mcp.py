"""The MCP gateway (`midtrans_native.agent_mcp.handle`) driven by the SDK's own client.

The client talks HTTP through an httpx2 transport that turns each request into an API Gateway HTTP API v2 event,
calls `handle` (in a worker thread, as Lambda calls it: synchronously, with no event loop running) and turns the
response dict back into an HTTP response. Both protocol eras are exercised: the client's default `mode="auto"`
(2026-07-28 single exchange) and `mode="legacy"` (the 2025 initialize handshake, stateless).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import anyio
import anyio.to_thread
import httpx2
import jsonschema  # type: ignore[import-untyped]
import mcp_types as mt
import pytest
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

from midtrans_native import agent_mcp
from tests.conftest import log_records

URL = "https://mcp.example.invalid/mcp"
MODERN = "2026-07-28"
MODES = ["auto", "legacy"]
PV_KEY = "io.modelcontextprotocol/protocolVersion"

STATUS_TOOL = mt.Tool(
    name="check_payment_status",
    title="Check payment status",
    description="Reads a Midtrans transaction's status.",
    input_schema={
        "type": "object",
        "properties": {"order_id": {"type": "string", "minLength": 1}},
        "required": ["order_id"],
        "additionalProperties": False,
    },
    output_schema={
        "type": "object",
        "properties": {
            "outcome": {"type": "string", "enum": ["ok", "not_found"]},
            "transaction": {"$ref": "#/$defs/Transaction"},
        },
        "required": ["outcome"],
        "$defs": {
            "Transaction": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}, "status": {"type": "string"}},
                "required": ["order_id", "status"],
            }
        },
    },
    annotations=mt.ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=True),
)
REFUND_TOOL = mt.Tool(
    name="request_refund",
    title="Request a refund",
    description="Asks the merchant to confirm a refund.",
    input_schema={"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
    annotations=mt.ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False),
)
SECRET = "db-password=hunter2 at tenant-a"


def status_result(order_id: str) -> mt.CallToolResult:
    return mt.CallToolResult(
        content=[mt.TextContent(type="text", text=f"Order {order_id} is settled.")],
        structured_content={"outcome": "ok", "transaction": {"order_id": order_id, "status": "settlement"}},
    )


@dataclass
class Tenant:
    """One caller's callbacks, recording what the gateway asked of them."""

    tools: list[mt.Tool]
    answer: Callable[[str, dict[str, Any]], mt.CallToolResult] = lambda name, args: status_result(args["order_id"])
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    listings: int = 0

    def list_tools(self) -> list[mt.Tool]:
        self.listings += 1
        return list(self.tools)

    def call_tool(self, name: str, arguments: dict[str, Any]) -> mt.CallToolResult:
        self.calls.append((name, arguments))
        return self.answer(name, arguments)


@dataclass
class Exchange:
    method: str
    request_headers: dict[str, str]
    request_body: Any
    status: int
    headers: dict[str, str]
    body: bytes


def api_gateway_event(
    method: str, body: bytes | str, headers: dict[str, str], *, path: str = "/mcp", query: str = ""
) -> dict[str, Any]:
    """An HTTP API payload 2.0 event as API Gateway sends it after the JWT authorizer."""
    raw = body.encode() if isinstance(body, str) else body
    try:
        text, encoded = raw.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(raw).decode(), True
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {name.lower(): value for name, value in headers.items()},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "localapi01",
            "domainName": "api.example.invalid",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.10"},
            "requestId": "req-1",
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "authorizer": {"jwt": {"claims": {"cid": "tenant-a", "role": "ai_agent"}, "scopes": None}},
        },
        "body": text,
        "isBase64Encoded": encoded,
    }


def response_body(response: dict[str, Any]) -> bytes:
    body = response.get("body") or ""
    return base64.b64decode(body) if response.get("isBase64Encoded") else body.encode("utf-8")


def lambda_transport(tenant: Tenant, seen: list[Exchange]) -> httpx2.MockTransport:
    async def handler(request: httpx2.Request) -> httpx2.Response:
        headers: dict[str, str] = {}
        for name, value in request.headers.multi_items():  # API Gateway joins repeated headers with commas
            key = name.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        event = api_gateway_event(
            request.method, request.content, headers, path=request.url.path, query=request.url.query.decode()
        )
        call = partial(agent_mcp.handle, event, list_tools=tenant.list_tools, call_tool=tenant.call_tool)
        response = await anyio.to_thread.run_sync(call)
        body = response_body(response)
        seen.append(
            Exchange(
                request.method,
                headers,
                json.loads(request.content) if request.content else None,
                response["statusCode"],
                response["headers"],
                body,
            )
        )
        return httpx2.Response(response["statusCode"], headers=response["headers"], content=body)

    return httpx2.MockTransport(handler)


def run_client(tenant: Tenant, mode: str, script: Callable[[Client], Any]) -> tuple[Any, list[Exchange]]:
    """Connect the SDK client to the gateway in `mode`, run `script(client)`, return its result and the traffic."""
    seen: list[Exchange] = []

    async def main() -> Any:
        async with (
            httpx2.AsyncClient(transport=lambda_transport(tenant, seen)) as http,
            Client(streamable_http_client(URL, http_client=http), mode=mode) as client,
        ):
            if mode == "auto":
                assert client.protocol_version == MODERN
            else:
                assert client.protocol_version in HANDSHAKE_PROTOCOL_VERSIONS
            return await script(client)

    return anyio.run(main), seen


def call(event: dict[str, Any], tenant: Tenant | None = None) -> tuple[int, dict[str, str], Any]:
    """`handle` on one raw event; the body parsed as JSON when there is one."""
    tenant = tenant or Tenant([STATUS_TOOL])
    response = agent_mcp.handle(event, list_tools=tenant.list_tools, call_tool=tenant.call_tool)
    body = response_body(response)
    return response["statusCode"], response["headers"], json.loads(body) if body else None


def envelope(**params: Any) -> dict[str, Any]:
    """`params` with the 2026-07-28 per-request `_meta` envelope."""
    meta = {
        PV_KEY: MODERN,
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    return {**params, "_meta": meta}


def modern_headers(method: str, **extra: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
        "mcp-protocol-version": MODERN,
        "mcp-method": method,
        "host": "api.example.invalid",
        **extra,
    }


LEGACY_HEADERS = {
    "content-type": "application/json",
    "accept": "application/json, text/event-stream",
    "mcp-protocol-version": "2025-11-25",
    "host": "api.example.invalid",
}


def rpc(method: str, params: Any = None, id_: int | None = 7) -> str:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if id_ is not None:
        message["id"] = id_
    if params is not None:
        message["params"] = params
    return json.dumps(message)


# --- the SDK client, both eras -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_client_lists_the_tools_exactly_as_given_and_calls_one(mode):
    tenant = Tenant([STATUS_TOOL, REFUND_TOOL])

    async def script(client: Client) -> tuple[mt.ListToolsResult, mt.CallToolResult]:
        return await client.list_tools(), await client.call_tool("check_payment_status", {"order_id": "ORD-1"})

    (listing, result), seen = run_client(tenant, mode, script)

    fields = {"name", "title", "description", "inputSchema", "outputSchema", "annotations"}

    def wire(tool: mt.Tool) -> dict[str, Any]:
        return {k: v for k, v in tool.model_dump(by_alias=True, exclude_none=True).items() if k in fields}

    assert [wire(tool) for tool in listing.tools] == [wire(STATUS_TOOL), wire(REFUND_TOOL)]
    assert tenant.calls == [("check_payment_status", {"order_id": "ORD-1"})]
    assert result.is_error is False
    assert result.structured_content == {
        "outcome": "ok",
        "transaction": {"order_id": "ORD-1", "status": "settlement"},
    }
    # The client validated it already (it raises otherwise); the schema's local $ref resolves here too.
    jsonschema.validate(result.structured_content, STATUS_TOOL.output_schema or {})
    assert result.content == [mt.TextContent(type="text", text="Order ORD-1 is settled.")]
    # Stateless and JSON only: no session id, no SSE, whatever the client accepts.
    for exchange in seen:
        assert "mcp-session-id" not in exchange.headers
        assert exchange.request_headers["accept"] == "application/json, text/event-stream"
        assert exchange.status in (200, 202)
        if exchange.status == 200:
            assert exchange.headers["content-type"] == "application/json"
            assert json.loads(exchange.body)["id"] == exchange.request_body["id"]
    methods = [exchange.request_body["method"] for exchange in seen]
    if mode == "auto":
        assert methods == ["server/discover", "tools/list", "tools/call"]
        assert {exchange.request_headers["mcp-protocol-version"] for exchange in seen} == {MODERN}
    else:
        assert methods == ["initialize", "notifications/initialized", "tools/list", "tools/call"]
        assert [exchange.status for exchange in seen] == [200, 202, 200, 200]
        assert "mcp-protocol-version" not in seen[0].request_headers


@pytest.mark.parametrize("mode", MODES)
def test_a_raising_tool_is_a_tool_error_with_a_generic_message(mode, log_output):
    def explode(name: str, arguments: dict[str, Any]) -> mt.CallToolResult:
        raise RuntimeError(SECRET)

    tenant = Tenant([STATUS_TOOL], answer=explode)

    async def script(client: Client) -> mt.CallToolResult:
        return await client.call_tool("check_payment_status", {"order_id": "ORD-1"})

    result, seen = run_client(tenant, mode, script)

    assert result.is_error is True
    assert result.content == [mt.TextContent(type="text", text=agent_mcp.TOOL_FAILED_MESSAGE)]
    # The client skipped output-schema validation for the error (no structuredContent, no exception).
    assert result.structured_content is None
    assert all(SECRET not in exchange.body.decode() for exchange in seen)
    assert seen[-1].status == 200
    failures = [r for r in log_records(log_output.getvalue()) if r.get("message") == "MCP tools/call: the tool raised"]
    assert len(failures) == 1
    assert failures[0]["level"] == "ERROR"
    assert failures[0]["tool"] == "check_payment_status"
    assert SECRET in failures[0]["exception"]


@pytest.mark.parametrize("mode", MODES)
def test_a_tool_that_is_not_listed_is_an_invalid_params_error(mode):
    tenant = Tenant([STATUS_TOOL])

    async def script(client: Client) -> None:
        with pytest.raises(MCPError) as raised:
            await client.call_tool("request_refund", {"order_id": "ORD-1"})
        assert raised.value.code == mt.INVALID_PARAMS
        assert raised.value.message == "Unknown tool"  # the name is not repeated back

    _, seen = run_client(tenant, mode, script)

    assert tenant.calls == []
    call_exchange = next(e for e in seen if (e.request_body or {}).get("method") == "tools/call")
    assert call_exchange.status == (400 if mode == "auto" else 200)  # the SDK's mapping on each wire
    assert call_exchange.headers["content-type"] == "application/json"


@pytest.mark.parametrize("mode", MODES)
def test_the_client_rejects_structured_content_that_breaks_the_output_schema(mode):
    """The SDK validates on the client only: this gateway (like the SDK's low-level server) sends what the tool
    returned, so a tool breaking its own outputSchema fails loudly in the agent's client."""
    broken = mt.CallToolResult(
        content=[mt.TextContent(type="text", text="?")], structured_content={"outcome": "exploded"}
    )
    tenant = Tenant([STATUS_TOOL], answer=lambda name, args: broken)

    async def script(client: Client) -> None:
        await client.list_tools()
        with pytest.raises(RuntimeError, match="Invalid structured content returned by tool check_payment_status"):
            await client.call_tool("check_payment_status", {"order_id": "ORD-1"})

    _, seen = run_client(tenant, mode, script)

    assert json.loads(seen[-1].body)["result"]["structuredContent"] == {"outcome": "exploded"}


@pytest.mark.parametrize("mode", MODES)
def test_a_listing_failure_is_a_generic_json_rpc_error(mode, log_output):
    class Failing(Tenant):
        def list_tools(self) -> list[mt.Tool]:
            raise RuntimeError(SECRET)

    async def script(client: Client) -> None:
        with pytest.raises(MCPError) as raised:
            await client.list_tools()
        assert raised.value.code == mt.INTERNAL_ERROR
        assert raised.value.message == "Internal error"

    _, seen = run_client(Failing([]), mode, script)

    assert seen[-1].status == 200
    assert SECRET not in seen[-1].body.decode()
    assert SECRET in log_output.getvalue()


@pytest.mark.parametrize("mode", MODES)
def test_callbacks_are_per_request_and_never_seen_by_another_request(mode):
    tenant_a = Tenant([STATUS_TOOL])
    tenant_b = Tenant([REFUND_TOOL], answer=lambda name, args: mt.CallToolResult(content=[], is_error=False))

    async def names(client: Client) -> list[str]:
        return [tool.name for tool in (await client.list_tools()).tools]

    assert run_client(tenant_a, mode, names)[0] == ["check_payment_status"]
    assert run_client(tenant_b, mode, names)[0] == ["request_refund"]

    async def call_a_tool_of_a(client: Client) -> None:
        with pytest.raises(MCPError, match=r"^Unknown tool$"):
            await client.call_tool("check_payment_status", {"order_id": "ORD-1"})

    run_client(tenant_b, mode, call_a_tool_of_a)
    assert tenant_a.calls == []
    assert tenant_b.calls == []
    # Nothing is left behind in the caller's context either (here `handle` runs in this very thread).
    assert call(api_gateway_event("POST", rpc("tools/list", {}), LEGACY_HEADERS), tenant_a)[0] == 200
    with pytest.raises(LookupError):
        agent_mcp._exchange.get()


def test_concurrent_clients_of_two_tenants_only_ever_reach_their_own_callbacks():
    tenants = [Tenant([STATUS_TOOL]), Tenant([REFUND_TOOL], answer=lambda n, a: status_result(a["order_id"]))]
    results: dict[int, list[str]] = {}

    async def one(index: int, mode: str) -> None:
        tenant = tenants[index]
        async with (
            httpx2.AsyncClient(transport=lambda_transport(tenant, [])) as http,
            Client(streamable_http_client(URL, http_client=http), mode=mode) as client,
        ):
            for round_ in range(3):
                listed = [tool.name for tool in (await client.list_tools()).tools]
                await client.call_tool(listed[0], {"order_id": f"{index}-{round_}"})
                results.setdefault(index, []).extend(listed)

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(one, 0, "auto")
            tg.start_soon(one, 1, "legacy")

    anyio.run(main)

    assert results == {0: ["check_payment_status"] * 3, 1: ["request_refund"] * 3}
    assert tenants[0].calls == [("check_payment_status", {"order_id": f"0-{i}"}) for i in range(3)]
    assert tenants[1].calls == [("request_refund", {"order_id": f"1-{i}"}) for i in range(3)]


# --- raw events: whatever a client sends is answered 2xx/4xx --------------------------------------------------


def test_a_modern_tools_call_lists_the_tools_once_per_request():
    tenant = Tenant([STATUS_TOOL])
    body = rpc("tools/call", envelope(name="check_payment_status", arguments={"order_id": "ORD-9"}))
    headers = modern_headers("tools/call", **{"mcp-name": "check_payment_status"})

    status, response_headers, payload = call(api_gateway_event("POST", body, headers), tenant)

    assert status == 200
    assert response_headers["content-type"] == "application/json"
    assert payload["result"]["structuredContent"]["transaction"]["order_id"] == "ORD-9"
    assert tenant.listings == 1  # the SDK's Mcp-Param header check and the name lookup share one listing


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        (modern_headers("tools/list"), "{not json", 400, mt.PARSE_ERROR),
        (LEGACY_HEADERS, "{not json", 400, mt.PARSE_ERROR),
        (modern_headers("tools/list"), '"a string"', 400, mt.INVALID_REQUEST),
        (LEGACY_HEADERS, '"a string"', 400, mt.INVALID_PARAMS),
        (modern_headers("tools/list"), "42", 400, mt.INVALID_REQUEST),
        (modern_headers("tools/list"), "[" + rpc("tools/list", envelope()) + "]", 400, mt.INVALID_REQUEST),
        (LEGACY_HEADERS, "[" + rpc("tools/list") + "]", 400, mt.INVALID_PARAMS),
        (modern_headers("tools/list"), '{"jsonrpc": "1.0", "id": 1, "method": "tools/list"}', 400, mt.INVALID_REQUEST),
        (LEGACY_HEADERS, '{"id": 1, "method": "tools/list"}', 400, mt.INVALID_PARAMS),
        (modern_headers("tools/list"), "[" * 100_000, 400, mt.PARSE_ERROR),
        (LEGACY_HEADERS, "[" * 100_000, 400, mt.PARSE_ERROR),
        (modern_headers("tools/list"), "", 400, mt.PARSE_ERROR),
        (LEGACY_HEADERS, "", 400, mt.PARSE_ERROR),
    ],
    ids=[
        "modern-bad-json",
        "legacy-bad-json",
        "modern-string",
        "legacy-string",
        "modern-number",
        "modern-batch",
        "legacy-batch",
        "modern-wrong-jsonrpc",
        "legacy-no-jsonrpc",
        "modern-deep-nesting",
        "legacy-deep-nesting",
        "modern-empty",
        "legacy-empty",
    ],
)
def test_malformed_bodies_are_4xx_json_rpc_errors(headers, body, status, code):
    tenant = Tenant([STATUS_TOOL])

    got_status, response_headers, payload = call(api_gateway_event("POST", body, headers), tenant)

    assert (got_status, payload["error"]["code"]) == (status, code)
    assert payload["jsonrpc"] == "2.0"
    assert payload["id"] is None
    assert response_headers["content-type"] == "application/json"
    assert tenant.listings == 0
    assert tenant.calls == []


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        (modern_headers("no/such"), rpc("no/such", envelope()), 404),
        (LEGACY_HEADERS, rpc("no/such", {}), 200),
        (modern_headers("prompts/list"), rpc("prompts/list", envelope()), 404),
        (LEGACY_HEADERS, rpc("resources/list", {}), 200),
    ],
    ids=["modern-unknown", "legacy-unknown", "modern-not-served", "legacy-not-served"],
)
def test_an_unknown_method_is_method_not_found(headers, body, status):
    got_status, _, payload = call(api_gateway_event("POST", body, headers))

    assert got_status == status  # the SDK's mapping: 404 on the 2026-07-28 wire, in-band on the handshake wire
    assert payload["id"] == 7
    assert payload["error"]["code"] == mt.METHOD_NOT_FOUND


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        (modern_headers("notifications/initialized"), rpc("notifications/initialized", id_=None)),
        (LEGACY_HEADERS, rpc("notifications/initialized", id_=None)),
        (LEGACY_HEADERS, rpc("notifications/cancelled", {"requestId": 3}, id_=None)),
    ],
    ids=["modern", "legacy-initialized", "legacy-cancelled"],
)
def test_a_notification_is_accepted_with_202_and_no_body(headers, body):
    tenant = Tenant([STATUS_TOOL])

    status, _, payload = call(api_gateway_event("POST", body, headers), tenant)

    assert (status, payload) == (202, None)
    assert tenant.calls == []


@pytest.mark.parametrize("verb", ["GET", "DELETE", "PUT", "OPTIONS"])
@pytest.mark.parametrize("headers", [modern_headers("tools/list"), LEGACY_HEADERS], ids=["modern", "legacy"])
def test_only_post_is_served(verb, headers):
    # A handshake-era GET would otherwise open a server-to-client SSE stream that never ends.
    status, response_headers, payload = call(api_gateway_event(verb, "", {**headers, "accept": "text/event-stream"}))

    assert status == 405
    assert response_headers["allow"] == "POST"
    assert payload["error"]["code"] == mt.INVALID_REQUEST


@pytest.mark.parametrize("era", ["modern", "legacy"])
def test_accept_application_json_alone_is_answered_in_json(era):
    headers = {**(modern_headers("tools/list") if era == "modern" else LEGACY_HEADERS), "accept": "application/json"}
    body = rpc("tools/list", envelope() if era == "modern" else {})

    status, response_headers, payload = call(api_gateway_event("POST", body, headers))

    assert status == 200
    assert response_headers["content-type"] == "application/json"
    assert [tool["name"] for tool in payload["result"]["tools"]] == ["check_payment_status"]


@pytest.mark.parametrize("era", ["modern", "legacy"])
@pytest.mark.parametrize(
    ("override", "status"),
    [
        ({"accept": "text/html"}, 406),
        ({"accept": "text/event-stream"}, 406),
        ({"content-type": "text/plain"}, 400),
        ({"content-type": "application/x-www-form-urlencoded"}, 400),
    ],
    ids=["html", "sse-only", "text-body", "form-body"],
)
def test_wrong_accept_or_content_type_is_a_4xx_json_error(era, override, status):
    headers = {**(modern_headers("tools/list") if era == "modern" else LEGACY_HEADERS), **override}
    body = rpc("tools/list", envelope() if era == "modern" else {})

    got_status, response_headers, payload = call(api_gateway_event("POST", body, headers))

    assert got_status == status
    assert response_headers["content-type"] == "application/json"
    assert payload["error"]["code"] == mt.INVALID_REQUEST
    assert payload["error"]["message"]


def test_any_host_and_origin_are_served():
    """API Gateway's domain (or a custom one) is the Host: the JWT authorizer is the gate, not a Host list."""
    headers = {**LEGACY_HEADERS, "host": "abc123.execute-api.ap-southeast-1.amazonaws.com", "origin": "https://x.test"}

    status, _, payload = call(api_gateway_event("POST", rpc("tools/list", {}), headers))

    assert status == 200
    assert payload["result"]["tools"][0]["name"] == "check_payment_status"


def test_a_base64_encoded_body_is_decoded_and_a_broken_one_refused():
    event = api_gateway_event("POST", rpc("tools/list", {}), LEGACY_HEADERS)
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True

    assert call(event)[0] == 200

    event["body"] = "%%% not base64 %%%"
    status, _, payload = call(event)
    assert (status, payload["error"]["code"]) == (400, mt.PARSE_ERROR)


@pytest.mark.parametrize("era", ["modern", "legacy"])
def test_an_oversized_body_is_413(era):
    headers = modern_headers("tools/call") if era == "modern" else LEGACY_HEADERS
    padding = "x" * (agent_mcp.MAX_REQUEST_BODY_BYTES + 1)
    body = rpc("tools/call", {"name": "check_payment_status", "arguments": {"order_id": padding}})
    tenant = Tenant([STATUS_TOOL])

    status, response_headers, payload = call(api_gateway_event("POST", body, headers), tenant)

    assert status == 413
    assert response_headers["content-type"] == "application/json"
    assert payload["error"]["code"] == mt.INVALID_REQUEST
    assert tenant.calls == []


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        (
            modern_headers("tools/call", **{"mcp-name": "check_payment_status"}),
            rpc("tools/call", envelope(name="check_payment_status", arguments=[1])),
        ),
        (LEGACY_HEADERS, rpc("tools/call", {"name": "check_payment_status", "arguments": "ORD-1"})),
        (LEGACY_HEADERS, rpc("tools/call", {"name": 42})),
        (modern_headers("tools/call"), rpc("tools/call", {"name": "check_payment_status"})),  # no envelope
        (modern_headers("tools/list", **{"mcp-protocol-version": "1999-01-01"}), rpc("tools/list", envelope())),
        (modern_headers("tools/list", **{"mcp-method": "tools/call"}), rpc("tools/list", envelope())),
        (
            modern_headers("tools/list", **{"mcp-protocol-version": "2099-01-01"}),
            rpc("tools/list", {**envelope(), "_meta": {**envelope()["_meta"], PV_KEY: "2099-01-01"}}),
        ),
        (LEGACY_HEADERS, rpc("initialize", {"protocolVersion": 5})),
        (modern_headers("initialize"), rpc("initialize", envelope(protocolVersion=MODERN))),
        (modern_headers("subscriptions/listen"), rpc("subscriptions/listen", envelope())),
    ],
    ids=[
        "modern-arguments-list",
        "legacy-arguments-string",
        "legacy-name-number",
        "modern-no-envelope",
        "unknown-version-header",
        "header-body-mismatch",
        "unsupported-version",
        "legacy-bad-initialize",
        "modern-initialize",
        "modern-listen",
    ],
)
def test_invalid_requests_are_json_rpc_errors_never_5xx(headers, body):
    tenant = Tenant([STATUS_TOOL])

    status, response_headers, payload = call(api_gateway_event("POST", body, headers), tenant)

    assert status < 500
    assert response_headers["content-type"] == "application/json"
    assert payload["id"] == 7
    assert payload["error"]["code"] in {
        mt.INVALID_REQUEST,
        mt.INVALID_PARAMS,
        mt.METHOD_NOT_FOUND,
        mt.HEADER_MISMATCH,
        mt.UNSUPPORTED_PROTOCOL_VERSION,
    }
    assert tenant.calls == []


@pytest.mark.parametrize("era", ["modern", "legacy"])
def test_deeply_nested_arguments_that_parse_reach_the_tool_or_are_refused_never_5xx(era):
    nested: Any = "leaf"
    for _ in range(900):
        nested = {"n": nested}
    arguments = {"order_id": "ORD-1", "extra": nested}
    if era == "modern":
        headers = modern_headers("tools/call", **{"mcp-name": "check_payment_status"})
        body = rpc("tools/call", envelope(name="check_payment_status", arguments=arguments))
    else:
        headers, body = LEGACY_HEADERS, rpc("tools/call", {"name": "check_payment_status", "arguments": arguments})

    status, _, payload = call(api_gateway_event("POST", body, headers))

    assert status < 500
    assert "result" in payload or payload["error"]["code"] != mt.INTERNAL_ERROR


def test_a_tool_returning_something_else_than_a_call_tool_result_is_a_generic_tool_error(log_output):
    tenant = Tenant([STATUS_TOOL], answer=lambda name, args: {"outcome": "ok"})  # type: ignore[arg-type,return-value]
    body = rpc("tools/call", {"name": "check_payment_status", "arguments": {"order_id": "ORD-1"}})

    status, _, payload = call(api_gateway_event("POST", body, LEGACY_HEADERS), tenant)

    assert status == 200
    assert payload["result"]["isError"] is True
    assert payload["result"]["content"] == [{"type": "text", "text": agent_mcp.TOOL_FAILED_MESSAGE}]
    assert "MCP tools/call: the tool returned no CallToolResult" in log_output.getvalue()
