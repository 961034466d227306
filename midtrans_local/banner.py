"""The startup banner of the local stack: URLs, routes, token commands and ready-to-paste curl lines."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from midtrans_local.template import SamTemplate
from midtrans_local.tokens import issue_dev_token

# Here rather than in server.py, which imports this module: the banner falls back to it for its examples
# when no tenant is seeded, and the stack seeds it by default.
DEMO_TENANT = "tenant-demo"
BISNAP_DEMO_TENANT = "tenant-bisnap"  # seeded beside DEMO_TENANT when the stack runs its own simulator


# A Protocol rather than LocalStack itself: server.py imports this module, so importing it back would be circular.
class BannerStack(Protocol):
    """The parts of a started LocalStack the banner reads."""

    @property
    def api_url(self) -> str: ...
    @property
    def midtrans_base_url(self) -> str: ...
    @property
    def jwt_secret(self) -> str: ...
    @property
    def seed_tenant(self) -> str | None: ...
    @property
    def seed_status(self) -> int | None: ...
    @property
    def bisnap_seed_status(self) -> int | None: ...
    @property
    def simulator(self) -> object | None: ...
    @property
    def physical_ids(self) -> Mapping[str, str]: ...
    @property
    def template_path(self) -> Path: ...
    @property
    def template(self) -> SamTemplate: ...
    @property
    def aws_endpoint_url(self) -> str: ...
    @property
    def concurrency(self) -> int | None: ...
    @property
    def notification_url(self) -> str | None: ...
    @property
    def simulator_notification_url(self) -> str | None: ...
    @property
    def platform_events_url(self) -> str: ...


DEMO_CURLS = (  # (method, path, role, body): shown when the template has the route
    (
        "POST",
        "/v1/payments/status",
        "ai_agent",
        {"conversation_id": "conv-local-1", "order_id": "ORDER-SETTLEMENT-GOPAY-001", "locale": "en"},
    ),
    ("GET", "/v1/connection", "admin", None),
)
BANNER_TOKEN_TTL_SECONDS = 12 * 3600
MCP_PATH = "/mcp"


def banner(stack: BannerStack) -> str:
    """What a developer needs on start: URLs, routes, how to get tokens, ready-to-paste curl lines."""
    tenant = stack.seed_tenant or DEMO_TENANT
    if stack.simulator is not None:
        midtrans = f"{stack.midtrans_base_url}  (simulator)"
    else:
        midtrans = f"{stack.midtrans_base_url}  (MIDTRANS_API_BASE_URL)"
    lines = [
        "Midtrans native actions: local stack (no Docker)",
        f"  API       {stack.api_url}   routes from {stack.template_path}",
        f"  Midtrans  {midtrans}",
    ]
    resources = ", ".join(sorted(stack.physical_ids)) or "no resources"
    if stack.concurrency is None:
        lines += [
            f"  AWS       moto in-process: {resources}",
            "  Lambda    in-process, one invocation at a time (LOCAL_CONCURRENCY=0)",
        ]
    else:
        lines += [
            f"  AWS       moto server {stack.aws_endpoint_url} (one request at a time): {resources}",
            f"  Lambda    worker processes, up to {stack.concurrency} per function (LOCAL_CONCURRENCY); "
            "the log has a REPORT per invocation (worker, cold/warm, init_ms, duration_ms)",
        ]
    if stack.seed_status is not None:
        lines.append(f"  Seed      tenant {tenant}: PUT /v1/connection -> {stack.seed_status}")
    if stack.bisnap_seed_status is not None:
        lines.append(
            f"  Seed      tenant {BISNAP_DEMO_TENANT} (BI-SNAP: status, cancel, refund signed with a token): "
            f"PUT /v1/connection -> {stack.bisnap_seed_status}"
        )
    lines += notification_lines(stack, tenant)
    lines += ["", "Routes:"]
    for route in stack.template.routes:
        auth = "JWT" if route.authorizer else "open"
        lines.append(f"  {route.method:<7} {route.path:<45} {route.function_id}  [{auth}]")
    lines += [
        "",
        "Development tokens (roles: admin, spv, agent, ai_agent; signed with LOCAL_JWT_SECRET or the dev secret):",
        f"  make token ROLE=ai_agent CID={tenant}",
        f"  .venv/bin/python -m midtrans_local.tokens --role admin --cid {tenant} [--plan ultimate] [--ttl 3600]",
    ]
    curls = []
    for method, path, role, body in DEMO_CURLS:
        found = stack.template.find_route(method, path)
        if found is None:
            continue
        route = found[0]
        command = f"curl -s -X {method} {stack.api_url}{path}"
        if route.authorizer is not None:
            token = issue_dev_token(
                tenant,
                role,
                ttl_seconds=BANNER_TOKEN_TTL_SECONDS,
                secret=stack.jwt_secret,
                issuer=route.authorizer.issuer,
                audience=route.authorizer.audiences[0],
            )
            command += f" -H 'Authorization: Bearer {token}'"
        if body is not None:
            command += f" -H 'Content-Type: application/json' -d '{json.dumps(body, separators=(',', ':'))}'"
        curls += [f"  # {method} {path} as {role} of {tenant}", f"  {command}"]
    if curls:
        lines += ["", f"Try it (tokens valid {BANNER_TOKEN_TTL_SECONDS // 3600} h):", *curls]
    lines += mcp_client_config(stack, tenant)
    lines += simulator_payment_curls(stack, tenant)
    lines += ["", f"LOCAL_STACK_READY {stack.api_url}"]
    return "\n".join(lines)


def mcp_client_config(stack: BannerStack, tenant: str) -> list[str]:
    """An MCP client configuration (the `mcpServers` shape most clients read) for the demo tenant's agent: the
    URL, its token and the conversation headers the platform would send."""
    found = stack.template.find_route("POST", MCP_PATH)
    if found is None:
        return []
    route = found[0]
    headers = {
        "X-Conversation-Id": "conv-local-1",
        "X-Channel-Type": "whatsapp",
        "Accept-Language": "en",
    }
    if route.authorizer is not None:
        token = issue_dev_token(
            tenant,
            "ai_agent",
            ttl_seconds=BANNER_TOKEN_TTL_SECONDS,
            secret=stack.jwt_secret,
            issuer=route.authorizer.issuer,
            audience=route.authorizer.audiences[0],
        )
        headers = {"Authorization": f"Bearer {token}", **headers}
    config = {
        "mcpServers": {"midtrans-native": {"type": "http", "url": f"{stack.api_url}{MCP_PATH}", "headers": headers}}
    }
    return ["", f"MCP client configuration ({tenant}'s AI agent, one conversation):", f"  {json.dumps(config)}"]


def notification_lines(stack: BannerStack, tenant: str) -> list[str]:
    """Where Midtrans' notifications for the seeded tenant go, and where the events they cause are delivered."""
    lines = []
    if stack.notification_url:
        lines.append(f"  Notify    {tenant}'s notification URL {stack.notification_url}")
        if stack.simulator_notification_url:
            lines.append(
                "            set as the simulator's Payment Notification URL: a payment there notifies the stack"
            )
    if stack.platform_events_url:
        lines.append(
            f"  Events    PLATFORM_EVENTS_URL on: every event on PlatformEventsBus is also POSTed to "
            f"{stack.platform_events_url}"
        )
    else:
        lines.append(
            "  Events    PLATFORM_EVENTS_URL off: events stay in moto (set it to an HTTP receiver to see them, "
            "docs/local-stack.md)"
        )
    return lines


def simulator_payment_curls(stack: BannerStack, tenant: str) -> list[str]:
    """The simulator's control routes that pay, settle and expire: each sends Midtrans' notification."""
    if stack.simulator is None or not stack.simulator_notification_url:
        return []
    control = f"{stack.midtrans_base_url}/__simulator"
    json_header = "-H 'Content-Type: application/json'"
    return [
        "",
        f"Payments in the simulator (each notifies {tenant}; ORDER is a link's or a transaction's order_id):",
        f'  curl -s -X POST {control}/payment-links/ORDER/pay {json_header} -d \'{{"payment_type":"gopay"}}\'',
        f"  curl -s -X POST {control}/orders/ORDER/settle      # also: expire, deny, fail, confirm-refund, notify",
        f"  curl -s {control}/notifications                    # every delivery and the stack's answer",
    ]
