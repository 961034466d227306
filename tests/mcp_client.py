"""The official MCP SDK client against our MCP function: in-process (each HTTP request becomes an API Gateway
event for `functions.mcp_server.app.lambda_handler`) or over HTTP (the local stack). Shared by the
integration and e2e tiers."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.to_thread
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import FakeLambdaContext

CONVERSATION = "conv-mcp-1"


def agent_headers(
    conversation_id: str | None = CONVERSATION, *, language: str = "en", message_id: str | None = None, **extra: str
) -> dict[str, str]:
    headers = {"Accept-Language": language, **extra}
    if conversation_id:
        headers["X-Conversation-Id"] = conversation_id
    if message_id:
        headers["X-Customer-Message-Id"] = message_id
    return headers


def lambda_transport(claims: dict[str, str]) -> httpx2.MockTransport:
    """Each request → a payload 2.0 event with the authorizer's claims → the MCP function → the response."""
    from functions.mcp_server.app import lambda_handler

    async def handler(request: httpx2.Request) -> httpx2.Response:
        headers: dict[str, str] = {}
        for name, value in request.headers.multi_items():
            key = name.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        event = {
            "version": "2.0",
            "routeKey": "POST /mcp",
            "rawPath": request.url.path,
            "rawQueryString": request.url.query.decode(),
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "localapi01",
                "domainName": "api.example.invalid",
                "http": {"method": request.method, "path": request.url.path, "protocol": "HTTP/1.1"},
                "requestId": "req-mcp",
                "routeKey": "POST /mcp",
                "stage": "$default",
                "authorizer": {"jwt": {"claims": claims, "scopes": None}},
            },
            "body": request.content.decode("utf-8"),
            "isBase64Encoded": False,
        }
        response = await anyio.to_thread.run_sync(lambda: lambda_handler(event, FakeLambdaContext()))
        body = response.get("body") or ""
        raw = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
        return httpx2.Response(response["statusCode"], headers=response.get("headers") or {}, content=raw)

    return httpx2.MockTransport(handler)


def run(
    script: Callable[[Client], Awaitable[Any]],
    *,
    url: str = "https://api.example.invalid/mcp",
    headers: dict[str, str] | None = None,
    transport: httpx2.AsyncBaseTransport | None = None,
    mode: str = "auto",
) -> Any:
    """Connect the SDK's Client (tool-list cache off: every list is a real request), run `script(client)`."""

    async def main() -> Any:
        async with (
            httpx2.AsyncClient(transport=transport, headers=headers or {}, timeout=30) as http,
            Client(streamable_http_client(url, http_client=http), mode=mode, cache=None) as client,
        ):
            return await script(client)

    return anyio.run(main)


def structured(result: Any) -> dict[str, Any]:
    """A CallToolResult's structuredContent (the REST response's fields)."""
    content = result.structured_content
    assert isinstance(content, dict), result
    return content


def text(result: Any) -> str:
    return "".join(block.text for block in result.content if getattr(block, "type", "") == "text")


def as_json(result: Any) -> str:
    return json.dumps(result.model_dump(mode="json", by_alias=True))
