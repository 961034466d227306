"""The cancel and refund operations: a prompt after the eligibility check, then the customer's decision, each
with the confirmation store read in the same round trip as the tenant's item (docs/decisions.md D29).

Apart from `agent_operations` so that only the functions that run them (cancel, refund and MCP) import the
cancel and refund actions, the confirmation store and Powertools idempotency (docs/decisions.md D30). The registry
names these functions by import path (`ToolSpec.operation`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from aws_lambda_powertools.utilities.typing import LambdaContext

from midtrans_native import deps
from midtrans_native.actions import cancel_transaction as cancel_actions
from midtrans_native.actions import request_refund as refund_actions
from midtrans_native.actions.gates import AgentGates, require_agent
from midtrans_native.agent_operations import remember_order
from midtrans_native.models.common import Caller, Locale
from midtrans_native.models.confirmations import (
    CancellationDecisionResponse,
    CancellationRequest,
    CancellationResponse,
    DecisionRequest,
    RefundDecisionRequest,
    RefundDecisionResponse,
    RefundRequest,
    RefundResponse,
)
from midtrans_native.registry import CANCEL_TRANSACTION, REQUEST_REFUND, ActionTypeSpec
from midtrans_native.settings import get_settings
from midtrans_native.stores.confirmations import Action, ConfirmationStore


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


def _slot_of(request: CancellationRequest | RefundRequest, caller: Caller, action: Action) -> str | None:
    if request.order_id is None:
        return None  # answered without any confirmation read
    return ConfirmationStore.slot_key(
        cid=caller.cid, conversation_id=request.conversation_id, action=action, order_id=request.order_id
    )


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
