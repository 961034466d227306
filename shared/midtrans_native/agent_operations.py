"""The agent's operations: one function per tool, shared by the REST routes and MCP, so both run the same
gates, deadline, telemetry, confirmation state machine and exactly-once refund.

Each takes the resolved request (tool arguments + the platform's context), a caller already admitted by role
and plan, and the Lambda context (for the invocation's deadline). The registry names these functions by
import path (`ToolSpec.operation`); `operation_for` resolves one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, TypeVar, cast

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from midtrans_native import deps
from midtrans_native.actions import cancel_transaction as cancel_actions
from midtrans_native.actions import check_payment_status as status_actions
from midtrans_native.actions import request_refund as refund_actions
from midtrans_native.actions.gates import AgentGates, require_agent
from midtrans_native.api import describe_errors
from midtrans_native.errors import RequestRefused
from midtrans_native.models.api import (
    AgentRequest,
    AgentResponse,
    CancellationDecisionResponse,
    CancellationRequest,
    CancellationResponse,
    DecisionRequest,
    PaymentStatusRequest,
    PaymentStatusResponse,
    RefundDecisionRequest,
    RefundDecisionResponse,
    RefundRequest,
    RefundResponse,
)
from midtrans_native.models.common import Caller, Locale
from midtrans_native.models.context import platform_context, resolve_request
from midtrans_native.models.payment_links import (
    CreatePaymentLinkRequest,
    CreatePaymentLinkResponse,
    PaymentLinkDefaults,
)
from midtrans_native.observability import logger
from midtrans_native.registry import (
    CANCEL_TRANSACTION,
    CHECK_PAYMENT_STATUS,
    CREATE_PAYMENT_LINK,
    REQUEST_REFUND,
    ActionTypeSpec,
    ToolSpec,
    find_tool,
)
from midtrans_native.settings import get_settings
from midtrans_native.stores.confirmations import Action, ConfirmationStore
from midtrans_native.stores.order_contexts import OrderContextStore
from midtrans_native.stores.order_contexts import Source as OrderSource

Operation = Callable[[Any, Caller, LambdaContext | None, AgentGates | None], AgentResponse]


def gated_confirmations(
    caller: Caller, action: ActionTypeSpec, locale: Locale, gates: AgentGates, first_read: str | None
) -> ConfirmationStore:
    """The agent gates, then this request's confirmation store. The confirmation item the action reads first
    (`first_read`: a prompt's slot, a decision's record) comes in the same round trip as the tenant's item, so a
    warm prompt or decision reads DynamoDB once before its own writes (docs/decisions.md D29)."""
    confirmations = deps.confirmation_store()
    if first_read is not None:
        gates.read_along(confirmations.table_name, confirmations.item_key(first_read))
    require_agent(caller, action, locale, gates)
    along = gates.item_read_along()
    if first_read is not None and along is not None:
        confirmations.read_ahead(first_read, along.item)
    return confirmations


def remember_order(
    caller: Caller,
    request: AgentRequest,
    order_id: str,
    source: OrderSource,
    *,
    channel_type: str | None = None,
    contexts: OrderContextStore | None = None,
) -> bool:
    """Record which conversation this order belongs to, so Midtrans' later notifications about it reach that
    conversation (docs/decisions.md D31). The customer's answer does not depend on it: a failed write is logged
    (the event then names no conversation) and the link or prompt still goes out."""
    try:
        (contexts or deps.order_context_store()).remember(
            cid=caller.cid,
            order_id=order_id,
            conversation_id=request.conversation_id,
            channel_type=channel_type,
            locale=request.locale,
            source=source,
            ttl_days=get_settings().order_context_ttl_days,
        )
    except Exception as exc:
        logger.warning("order_context_not_recorded", extra={"cid": caller.cid, "error": type(exc).__name__})
        return False
    return True


def _slot_of(request: CancellationRequest | RefundRequest, caller: Caller, action: Action) -> str | None:
    if request.order_id is None:
        return None  # answered without any confirmation read
    return ConfirmationStore.slot_key(
        cid=caller.cid, conversation_id=request.conversation_id, action=action, order_id=request.order_id
    )


def check_payment_status(
    request: PaymentStatusRequest,
    caller: Caller,
    lambda_context: LambdaContext | None,
    gates: AgentGates | None = None,
) -> PaymentStatusResponse:
    gates = gates or deps.agent_gates()
    require_agent(caller, CHECK_PAYMENT_STATUS, request.locale, gates)
    deadline = deps.deadline(lambda_context)
    return status_actions.check_payment_status(
        request, caller, connections=gates, core_api=partial(deps.core_api, deadline=deadline)
    )


def create_payment_link(
    request: CreatePaymentLinkRequest,
    caller: Caller,
    lambda_context: LambdaContext | None,
    gates: AgentGates | None = None,
) -> CreatePaymentLinkResponse:
    # Imported here: only the payment-link paths pay for the link client and its copy.
    from midtrans_native.actions.create_payment_link import create_payment_link as create_link

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


def request_cancellation(
    request: CancellationRequest,
    caller: Caller,
    lambda_context: LambdaContext | None,
    gates: AgentGates | None = None,
) -> CancellationResponse:
    return _prompt(
        cancel_actions.request_cancellation, CANCEL_TRANSACTION, "cancel", request, caller, lambda_context, gates
    )


def decide_cancellation(
    request: DecisionRequest,
    caller: Caller,
    lambda_context: LambdaContext | None,
    gates: AgentGates | None = None,
) -> CancellationDecisionResponse:
    gates = gates or deps.agent_gates()
    confirmations = gated_confirmations(
        caller, CANCEL_TRANSACTION, request.locale or "en", gates, request.confirmation_id
    )
    deadline = deps.deadline(lambda_context)
    return cancel_actions.decide_cancellation(
        request,
        caller,
        connections=gates,
        core_api=partial(deps.core_api, deadline=deadline),
        confirmations=confirmations,
    )


def request_refund(
    request: RefundRequest,
    caller: Caller,
    lambda_context: LambdaContext | None,
    gates: AgentGates | None = None,
) -> RefundResponse:
    return _prompt(refund_actions.request_refund, REQUEST_REFUND, "refund", request, caller, lambda_context, gates)


PromptRequest = TypeVar("PromptRequest", CancellationRequest, RefundRequest)
PromptResponse = TypeVar("PromptResponse", CancellationResponse, RefundResponse)


def _prompt(
    ask: Callable[..., PromptResponse],
    action_type: ActionTypeSpec,
    action: Action,
    request: PromptRequest,
    caller: Caller,
    lambda_context: LambdaContext | None,
    gates: AgentGates | None,
) -> PromptResponse:
    """A cancel or refund prompt: the gates (the conversation's slot read along with the tenant), the action's
    eligibility check and prompt, then the order's conversation recorded for Midtrans' later notifications."""
    gates = gates or deps.agent_gates()
    confirmations = gated_confirmations(caller, action_type, request.locale, gates, _slot_of(request, caller, action))
    response = ask(
        request,
        caller,
        connections=gates,
        core_api=partial(deps.core_api, deadline=deps.deadline(lambda_context)),
        confirmations=confirmations,
        ttl_seconds=get_settings().confirmation_ttl_seconds,
    )
    if response.outcome == "confirmation_required" and request.order_id:
        remember_order(caller, request, request.order_id, action)
    return response


def decide_refund(
    request: RefundDecisionRequest,
    caller: Caller,
    lambda_context: LambdaContext | None,
    gates: AgentGates | None = None,
) -> RefundDecisionResponse:
    gates = gates or deps.agent_gates()
    confirmations = gated_confirmations(caller, REQUEST_REFUND, request.locale or "en", gates, request.confirmation_id)
    deadline = deps.deadline(lambda_context)
    if lambda_context is not None:
        # Powertools sets the in-progress lock's expiry from the time this invocation has left.
        deps.refund_idempotency_config().register_lambda_context(lambda_context)
    return refund_actions.decide_refund(
        request,
        caller,
        connections=gates,
        core_api=partial(deps.core_api, deadline=deadline),
        confirmations=confirmations,
        send_refund=deps.refund_sender(),
    )


@cache
def operation_for(tool: ToolSpec) -> Operation:
    """The function a registry tool names ("module:function")."""
    module_name, _, function_name = tool.operation.partition(":")
    return cast(Operation, getattr(importlib.import_module(module_name), function_name))


@dataclass(frozen=True)
class ToolOutcome:
    """A tool call's result, protocol-neutral: MCP turns it into a CallToolResult.

    Business outcomes (ok, not_found, not_eligible, failed...) are normal results whose `structured` is the
    REST response's fields. Refusals (bad arguments, action not configured, a foreign or expired confirmation,
    the turn guard) are errors with a message the model can act on; nothing else reaches the caller."""

    message: str
    structured: dict[str, Any] | None = None
    error: str | None = None

    @property
    def is_error(self) -> bool:
        return self.error is not None


def call_tool(
    name: str,
    arguments: Mapping[str, Any] | None,
    caller: Caller,
    headers: Mapping[str, str] | None,
    lambda_context: LambdaContext | None,
    gates: AgentGates | None = None,
) -> ToolOutcome:
    """Run one tool for a caller already admitted by role and plan, with the platform's headers."""
    found = find_tool(name)
    if found is None:
        return ToolOutcome(message=f"Unknown tool '{name[:64]}'.", error="unknown_tool")
    _, tool = found
    try:
        context = platform_context(headers)
        given = tool.arguments.model_validate(dict(arguments or {}))
        request = resolve_request(given, context, tool.request)
        response = operation_for(tool)(request, caller, lambda_context, gates)
    except ValidationError as invalid:
        # Name the argument and the rule, never the value (it may be anything the model made up).
        return ToolOutcome(message=describe_errors(invalid.errors()), error="invalid_arguments")
    except RequestRefused as refused:
        return ToolOutcome(message=refused.message, error=refused.error)
    return ToolOutcome(message=response.message, structured=response.model_dump(mode="json", exclude_none=True))
