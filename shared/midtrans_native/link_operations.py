"""The payment-link operation: the agent gates, then a link over the tenant's server key, its delivery for the
conversation's channel, and the order's conversation recorded for Midtrans' later notifications.

Apart from `agent_operations` so that only the functions that run it (payment links and MCP) import the link
client, its copy and its models (docs/decisions.md D30). The registry names it by import path (`ToolSpec.operation`).
"""

from __future__ import annotations

from functools import partial

from aws_lambda_powertools.utilities.typing import LambdaContext

from midtrans_native import deps
from midtrans_native.actions.create_payment_link import create_payment_link as create_link
from midtrans_native.actions.gates import AgentGates, require_agent
from midtrans_native.agent_operations import remember_order
from midtrans_native.models.common import Caller
from midtrans_native.models.payment_links import (
    CreatePaymentLinkRequest,
    CreatePaymentLinkResponse,
    PaymentLinkDefaults,
)
from midtrans_native.registry import CREATE_PAYMENT_LINK


def create_payment_link(
    request: CreatePaymentLinkRequest,
    caller: Caller,
    lambda_context: LambdaContext | None,
    gates: AgentGates | None = None,
) -> CreatePaymentLinkResponse:
    gates = gates or deps.agent_gates()
    configured = require_agent(caller, CREATE_PAYMENT_LINK, request.locale, gates)
    deadline = deps.deadline(lambda_context)
    # The admin's defaults were validated with the same model when the action was saved.
    defaults = PaymentLinkDefaults.model_validate(configured.defaults) if configured.defaults else None
    response = create_link(
        request,
        caller,
        connections=gates,
        links=partial(deps.payment_link_client, deadline=deadline),
        defaults=defaults,
    )
    if response.outcome == "ok" and response.order_id:
        remember_order(caller, request, response.order_id, "payment_link", channel_type=request.channel_type)
    return response
