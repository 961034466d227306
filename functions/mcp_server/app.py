"""McpFunction: POST /mcp (role ai_agent): the tenant's configured actions as MCP tools.

Streamable HTTP, stateless, JSON responses, served by the official MCP SDK (`midtrans_native.agent_mcp`).
Authorization comes first and is the same as the tool catalog's (role, plan, flag, connection), on every
request; `tools/list` is that tenant's catalog and `tools/call` runs the same operations as the REST routes.
The resolver is here for what every function shares: the caller from the JWT, errors in the error model, and
the route in the OpenAPI document.
"""

from __future__ import annotations

import gc

# Init builds what lives as long as the execution environment (modules, models, clients): a collection pass
# during it frees nothing and costs ~60 ms of a cold start. Collect again once it is frozen (docs/decisions.md D30).
gc.disable()

import base64
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from mcp_types import CallToolResult, TextContent, Tool

from midtrans_native import agent_mcp, deps
from midtrans_native.actions.agent_tools import configured_tools, input_schema_named
from midtrans_native.actions.gates import require_connected
from midtrans_native.agent_operations import call_tool, load_operations
from midtrans_native.api import AGENT_ROLES, build_resolver, http_lambda_handler, require_caller, route_responses
from midtrans_native.models.api import JsonRpcMessage
from midtrans_native.models.context import LANGUAGE_HEADER, preferred_locale


def _responses() -> dict[int, Any]:
    documented = route_responses(JsonRpcMessage, 401, 403, 409)
    documented[200]["description"] = "The JSON-RPC response (MCP), or a JSON-RPC error for a protocol error"
    documented[202] = {"description": "A JSON-RPC notification was accepted (no body)"}
    documented[400] = {
        "description": "A JSON-RPC error: unparsable JSON, an invalid request, or unknown tool",
        "content": {"application/json": {"model": JsonRpcMessage}},
    }
    return documented


@cache
def get_app() -> APIGatewayHttpResolver:
    app = build_resolver(roles=AGENT_ROLES)

    @app.post(
        "/mcp",
        summary="MCP (Streamable HTTP, stateless, JSON): tools/list and tools/call over the tenant's actions",
        description="Protocol revisions 2026-07-28 (single exchange, MCP-Protocol-Version header) and the 2025 "
        "initialize handshake, both without sessions. Send X-Conversation-Id (and X-Channel-Type, Accept-Language, "
        "X-Customer-Message-Id) as on the REST routes. Tool refusals are results with isError: true.",
        tags=["agent"],
        responses=_responses(),
    )
    def post_mcp() -> Response[str]:
        caller = require_caller(app, AGENT_ROLES)
        headers = dict(app.current_event.headers)
        locale = preferred_locale(headers.get(LANGUAGE_HEADER.lower())) or "en"
        gates = deps.agent_gates()  # one read of the tenant's item serves the entry check and the tool it runs
        tenant = require_connected(caller, locale, gates)

        def list_tools() -> list[Tool]:
            tools = configured_tools(gates.configured(tenant).values())
            return [Tool.model_validate(tool) for tool in tools]

        def run_tool(name: str, arguments: dict[str, Any]) -> CallToolResult:
            outcome = call_tool(name, arguments, caller, headers, app.lambda_context, gates)
            return CallToolResult(
                content=[TextContent(type="text", text=outcome.message)],
                structured_content=outcome.structured,
                is_error=outcome.is_error,
            )

        answer = agent_mcp.handle(
            app.current_event.raw_event,
            list_tools=list_tools,
            call_tool=run_tool,
            # tools/call looks the tool up in the registry, not in a listing (no extra read); a registry tool the
            # admin did not configure is refused by the operation's gate as a tool error naming the action.
            input_schema_of=input_schema_named,
        )
        body = answer.get("body") or ""
        if answer.get("isBase64Encoded"):
            body = base64.b64decode(body).decode("utf-8", errors="replace")
        response_headers = {k: v for k, v in (answer.get("headers") or {}).items() if k.lower() != "content-length"}
        content_type = response_headers.pop("content-type", None) or response_headers.pop("Content-Type", None)
        return Response(
            status_code=int(answer["statusCode"]), content_type=content_type, body=body, headers=response_headers
        )

    return app


lambda_handler = http_lambda_handler(get_app)
# It runs every tool: their operations and models are imported during init, not by the first call of each.
load_operations()


# What the imports built lives as long as the execution environment: move it out of the collector's sight, so no
# collection ever walks it (the first invocation paid a full one while botocore built its clients), and turn the
# collector back on for what invocations allocate (docs/decisions.md D30).
gc.freeze()
gc.enable()
