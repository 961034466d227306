"""The MCP endpoint's gateway: one API Gateway HTTP API (payload 2.0) event in, one response dict out.

The protocol is the official SDK's (`mcp`): its low-level `Server` and its streamable-HTTP session manager in
stateless, JSON-response mode serve both protocol eras on the same POST:

- 2026-07-28 single-exchange requests (an `MCP-Protocol-Version: 2026-07-28` header, no `initialize`, no session);
- the 2025 handshake (`initialize`, `notifications/initialized`, `tools/list`, `tools/call`), each POST
  self-contained: no session id is issued, so nothing has to survive between Lambda invocations.

Lambda does not speak ASGI: `handle` builds the ASGI scope from the event, feeds the body, collects the response
messages and returns the HTTP API response dict. Only the tools are ours: `list_tools` and `call_tool` are passed
per request (they carry the caller's tenant) through a context variable, read by the handlers of a `Server` that
is built once per execution environment, on the first request.

Only the MCP function imports this module (it imports `mcp`, which the other functions do not ship).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import threading
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Final

import mcp_types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from starlette.types import Message

from midtrans_native.observability import logger

ListTools = Callable[[], list[mcp_types.Tool]]
"""The caller's tools, exactly as `tools/list` returns them (synchronous)."""
CallTool = Callable[[str, dict[str, Any]], mcp_types.CallToolResult]
"""Runs one tool: `(name, arguments) -> CallToolResult` (synchronous). Only called for a name `list_tools` lists
or `input_schema_of` knows."""
InputSchemaOf = Callable[[str], Mapping[str, Any] | None]
"""A tool's input schema by name, None for a name that is no tool. When given, `tools/call` asks it instead of
listing the caller's tools (a listing can cost a database read and schema building), and a name it knows is passed
to `call_tool` even when this caller's listing omits it (an action the admin has not configured): `call_tool`
answers that itself, typically with an `isError` result, instead of the protocol's "Unknown tool"."""

SERVER_NAME: Final = "midtrans-native-actions"
SERVER_VERSION: Final = "0.1.0"
# Tool arguments are a few hundred bytes; the SDK's default is 4 MiB. Larger bodies are answered 413 unparsed.
MAX_REQUEST_BODY_BYTES: Final = 256 * 1024
TOOL_FAILED_MESSAGE: Final = "The tool failed unexpectedly. Please try again later."
_REASONS: Final = {405: "Method Not Allowed", 406: "Not Acceptable", 413: "Request body too large"}
_UNKNOWN_TOOL_NAME_CHARS: Final = 128  # the spec's longest tool name; a longer name is cut in the error message


@dataclass(slots=True)
class _Exchange:
    """One request's tool callbacks, and the tools listed during it (listed at most once per request)."""

    list_tools: ListTools
    call_tool: CallTool
    input_schema_of: InputSchemaOf | None = None
    _listed: list[mcp_types.Tool] | None = field(default=None)
    _by_name: dict[str, mcp_types.Tool] = field(default_factory=dict)

    def listed(self) -> list[mcp_types.Tool]:
        if self._listed is None:
            self._listed = list(self.list_tools())
            self._by_name = {tool.name: tool for tool in self._listed}
        return self._listed

    def tool(self, name: str) -> mcp_types.Tool | None:
        self.listed()
        return self._by_name.get(name)

    def input_schema(self, name: str) -> Mapping[str, Any] | None:
        if self.input_schema_of is not None:
            return self.input_schema_of(name)
        return _listed_input_schema(self, name)


# Set by `handle` inside the request's own task: every task the SDK starts for the request copies it, and nothing
# outside that task (the next request included) can see it.
_exchange: ContextVar[_Exchange] = ContextVar("agent_mcp_exchange")


async def _on_list_tools(
    ctx: ServerRequestContext[Any], params: mcp_types.PaginatedRequestParams | None
) -> mcp_types.ListToolsResult:
    try:
        tools = list(_exchange.get().listed())
    except Exception:
        # Never let the exception reach the SDK: its handshake-era dispatcher would put its text on the wire.
        logger.exception("MCP tools/list: list_tools raised")
        raise MCPError(code=mcp_types.INTERNAL_ERROR, message="Internal error") from None
    return mcp_types.ListToolsResult(tools=tools)


async def _on_call_tool(
    ctx: ServerRequestContext[Any], params: mcp_types.CallToolRequestParams
) -> mcp_types.CallToolResult:
    exchange = _exchange.get()
    try:
        known = exchange.input_schema(params.name) is not None
    except Exception:
        logger.exception(
            "MCP tools/call: looking up the tool raised", extra={"tool": params.name[:_UNKNOWN_TOOL_NAME_CHARS]}
        )
        return _tool_error(TOOL_FAILED_MESSAGE)
    if not known:
        # The spec's protocol error for an unknown tool (INVALID_PARAMS; HTTP 400 on the 2026-07-28 wire): the
        # SDK client raises MCPError(-32602, "Unknown tool: ...").
        raise MCPError(code=mcp_types.INVALID_PARAMS, message="Unknown tool")
    try:
        result = exchange.call_tool(params.name, dict(params.arguments or {}))
    except Exception:
        logger.exception("MCP tools/call: the tool raised", extra={"tool": params.name})
        return _tool_error(TOOL_FAILED_MESSAGE)
    if not isinstance(result, mcp_types.CallToolResult):
        logger.error("MCP tools/call: the tool returned no CallToolResult", extra={"tool": params.name})
        return _tool_error(TOOL_FAILED_MESSAGE)
    return result


def _tool_error(text: str) -> mcp_types.CallToolResult:
    return mcp_types.CallToolResult(content=[mcp_types.TextContent(type="text", text=text)], is_error=True)


def _tool_input_schema(name: str) -> Mapping[str, Any] | None:
    """For the SDK's 2026-07-28 `Mcp-Param-*` header check: the schema from this request's listing, so the check
    neither lists the tools a second time nor runs `tools/list` through the whole server pipeline."""
    return _exchange.get().input_schema(name)


def _listed_input_schema(exchange: _Exchange, name: str) -> Mapping[str, Any] | None:
    tool = exchange.tool(name)
    return None if tool is None else tool.input_schema


@dataclass(frozen=True, slots=True)
class _Gateway:
    server: Server[Any]
    security: TransportSecuritySettings
    loop: asyncio.AbstractEventLoop
    # Lambda runs one request at a time per process; the lock only matters when several threads share the module
    # (tests): one event loop cannot run two requests from two threads at once.
    lock: threading.Lock


_gateway: _Gateway | None = None
_gateway_lock = threading.Lock()


def _get_gateway() -> _Gateway:
    global _gateway
    if _gateway is None:
        with _gateway_lock:
            if _gateway is None:
                server: Server[Any] = Server(
                    SERVER_NAME,
                    version=SERVER_VERSION,
                    on_list_tools=_on_list_tools,
                    on_call_tool=_on_call_tool,
                    get_tool_input_schema=_tool_input_schema,
                )
                # No DNS-rebinding (Host/Origin) check. It protects a server on localhost from web pages whose
                # DNS points at it; here the Host is the API Gateway's domain (or a custom domain), and the
                # security in front of this function is the HTTP API's JWT authorizer plus the per-request
                # tenant callbacks. The SDK still requires `Content-Type: application/json` on every POST.
                security = TransportSecuritySettings(enable_dns_rebinding_protection=False)
                # A manager per request (see `_serve`) makes the SDK log its start, stop and the stateless
                # transport's teardown at INFO on every request: noise at any INFO log level. Warnings stay.
                for name in ("mcp.server.streamable_http_manager", "mcp.server.streamable_http"):
                    logging.getLogger(name).setLevel(logging.WARNING)
                _gateway = _Gateway(server, security, asyncio.new_event_loop(), threading.Lock())
    return _gateway


def handle(
    event: dict[str, Any],
    *,
    list_tools: ListTools,
    call_tool: CallTool,
    input_schema_of: InputSchemaOf | None = None,
) -> dict[str, Any]:
    """One API Gateway HTTP API v2 event (POST /mcp) -> the v2 response dict {statusCode, headers, body,
    isBase64Encoded}.

    Every POST is answered alone (stateless) and in JSON, never SSE. Whatever the client sends is answered 2xx or
    4xx: protocol errors are JSON-RPC errors as the SDK maps them. A `call_tool` that raises becomes an
    `isError: true` result with a generic message (the exception is logged, never sent); a tool name that
    `list_tools` does not list is a JSON-RPC INVALID_PARAMS error ("Unknown tool: <name>").

    Call it synchronously, as Lambda does: it runs the request on its own event loop, which cannot run inside a
    running one (from async code, use a worker thread). The callbacks run on that loop's thread, one at a time.
    """
    method = str(event.get("requestContext", {}).get("http", {}).get("method", "")).upper()
    if method != "POST":
        # Stateless JSON mode serves POST only. The SDK would open an endless SSE stream for a handshake-era GET.
        return _error_response(405, mcp_types.INVALID_REQUEST, "Method Not Allowed", {"allow": "POST"})
    try:
        body = _request_body(event)
    except (binascii.Error, ValueError):
        return _error_response(400, mcp_types.PARSE_ERROR, "Parse error")
    gateway = _get_gateway()
    scope = _asgi_scope(event, method, len(body))
    exchange = _Exchange(list_tools, call_tool, input_schema_of)
    try:
        with gateway.lock:
            status, headers, chunks = gateway.loop.run_until_complete(_serve(gateway, exchange, scope, body))
    except Exception:
        # An SDK or bridge fault, not something a client can cause.
        logger.exception("MCP request failed inside the gateway")
        return _error_response(500, mcp_types.INTERNAL_ERROR, "Internal error")
    return _lambda_response(status, headers, b"".join(chunks))


async def _serve(
    gateway: _Gateway, exchange: _Exchange, scope: dict[str, Any], body: bytes
) -> tuple[int, list[tuple[bytes, bytes]], list[bytes]]:
    _exchange.set(exchange)  # this task's own context: see `_exchange`
    status = 0
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []
    body_sent = False

    async def receive() -> Message:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        # After the body, ASGI's receive waits for a disconnect. API Gateway's client never disconnects from
        # a Lambda invocation, so wait until the SDK, done with the response, cancels the waiter.
        await asyncio.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = int(message["status"])
            headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))

    # One manager per request: its run() (lifespan + the task group that holds the request's server task) can be
    # entered only once per instance, and leaving it here cancels anything the request started, so nothing of
    # this request outlives it. It is a plain object; the Server it serves is built once.
    manager = StreamableHTTPSessionManager(
        app=gateway.server,
        json_response=True,
        stateless=True,
        security_settings=gateway.security,
        max_request_body_size=MAX_REQUEST_BODY_BYTES,
    )
    async with manager.run():
        await manager.handle_request(scope, receive, send)
    if status == 0:
        raise RuntimeError("the MCP transport sent no response")
    return status, headers, chunks


def _request_body(event: Mapping[str, Any]) -> bytes:
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(raw, validate=True)
    return str(raw).encode("utf-8", "replace")


def _asgi_scope(event: Mapping[str, Any], method: str, body_length: int) -> dict[str, Any]:
    http = event.get("requestContext", {}).get("http", {})
    headers = [
        (str(name).lower().encode("latin-1", "replace"), str(value).encode("utf-8", "replace"))
        for name, value in (event.get("headers") or {}).items()
        if str(name).lower() not in ("content-length", "cookie")
    ]
    # The body is whole and may have been base64-decoded: its length is ours to state.
    headers.append((b"content-length", str(body_length).encode("ascii")))
    if cookies := event.get("cookies"):
        headers.append((b"cookie", "; ".join(cookies).encode("utf-8", "replace")))
    path = str(event.get("rawPath") or http.get("path") or "/")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "raw_path": path.encode("utf-8", "replace"),
        "root_path": "",
        "query_string": str(event.get("rawQueryString") or "").encode("utf-8", "replace"),
        "headers": headers,
        "client": (str(http.get("sourceIp") or "0.0.0.0"), 0),  # noqa: S104 (a placeholder address, not a bind)
        "server": (str(event.get("requestContext", {}).get("domainName") or "localhost"), 443),
    }


def _lambda_response(status: int, raw_headers: list[tuple[bytes, bytes]], body: bytes) -> dict[str, Any]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in raw_headers:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name == "content-length":  # API Gateway sets it, and the body may be replaced below
            continue
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    if status >= 400 and body and not headers.get("content-type", "").startswith("application/json"):
        # The SDK answers a few HTTP-level refusals (wrong Content-Type, 406, 413) in plain text: give every
        # refusal the same JSON-RPC error shape, keeping the status (and never the SDK's text, see below).
        return _error_response(status, mcp_types.INVALID_REQUEST, _REASONS.get(status, "Request refused"), headers)
    if status >= 400 and not body:
        return _error_response(status, mcp_types.INVALID_REQUEST, _REASONS.get(status, "Request refused"), headers)
    body = _without_echoes(body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return {
            "statusCode": status,
            "headers": headers,
            "body": base64.b64encode(body).decode(),
            "isBase64Encoded": True,
        }
    return {"statusCode": status, "headers": headers, "body": text, "isBase64Encoded": False}


# JSON-RPC errors keep their code and get a fixed message without `data`: the SDK's own messages can quote the
# request (pydantic's validation text shows parts of the input, a method's name comes back as `data`), and a
# message must name the rule, never the value the client sent.
_ERROR_MESSAGES: Final = {
    mcp_types.PARSE_ERROR: "Parse error: the body is not valid JSON",
    mcp_types.INVALID_REQUEST: "Invalid request: not a valid JSON-RPC 2.0 request for this server",
    mcp_types.METHOD_NOT_FOUND: "Method not found",
    mcp_types.INVALID_PARAMS: "Invalid params",
    mcp_types.INTERNAL_ERROR: "Internal error",
}


def _without_echoes(body: bytes) -> bytes:
    try:
        message = json.loads(body)
    except ValueError:
        return body
    error = message.get("error") if isinstance(message, dict) else None
    if not isinstance(error, dict):
        return body
    code = error.get("code")
    if code == mcp_types.INVALID_PARAMS and error.get("message") == "Unknown tool":
        fixed = "Unknown tool"
    else:
        fixed = _ERROR_MESSAGES.get(code, "Request refused") if isinstance(code, int) else "Request refused"
    message["error"] = {"code": code, "message": fixed}
    return json.dumps(message, separators=(",", ":")).encode()


def _error_response(status: int, code: int, message: str, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    error = {"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}
    out_headers = {**(headers or {}), "content-type": "application/json"}
    return {"statusCode": status, "headers": out_headers, "body": json.dumps(error), "isBase64Encoded": False}
