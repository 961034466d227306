"""The agent's operations: one function per tool, shared by the REST routes and MCP, so both run the same
gates, deadline, telemetry, confirmation state machine and exactly-once refund. The status operation is here, with
what every tool shares (`call_tool`, `remember_order`); the payment link's is in `link_operations`, cancel and
refund (with their confirmation store) in `confirmation_operations`: each function imports its own during init, and
the status function's cold start imports none of the others (docs/decisions.md D30).

Each takes the resolved request (tool arguments + the platform's context), a caller already admitted by role
and plan, and the Lambda context (for the invocation's deadline). The registry names these functions by
import path (`ToolSpec.operation`); `operation_for` resolves one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from midtrans_native import deps
from midtrans_native.actions import check_payment_status as status_actions
from midtrans_native.actions.gates import AgentGates, require_agent
from midtrans_native.api import describe_errors
from midtrans_native.errors import RequestRefused
from midtrans_native.models.api import AgentRequest, AgentResponse, PaymentStatusRequest, PaymentStatusResponse
from midtrans_native.models.common import Caller
from midtrans_native.models.context import platform_context, resolve_request
from midtrans_native.observability import logger
from midtrans_native.registry import (
    ACTION_TYPES,
    CHECK_PAYMENT_STATUS,
    ToolSpec,
    find_tool,
    load_models,
    resolve,
)
from midtrans_native.settings import get_settings

if TYPE_CHECKING:  # each function imports its own action's modules, not every action's (docs/decisions.md D30)
    from midtrans_native.stores.order_contexts import OrderContextStore
    from midtrans_native.stores.order_contexts import Source as OrderSource

Operation = Callable[[Any, Caller, LambdaContext | None, AgentGates | None], AgentResponse]


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


def operation_for(tool: ToolSpec) -> Operation:
    """The function a registry tool names ("module:function")."""
    return cast(Operation, resolve(tool.operation))


def load_operations() -> None:
    """Import every tool's operation and models, now: for the MCP function, which runs them all, during init."""
    load_models()
    for spec in ACTION_TYPES:
        for tool in spec.tools:
            operation_for(tool)


# Records here are NamedTuples, not frozen dataclasses: as immutable, and a tenth of the cost to define during a
# cold start (Python 3.11 dataclasses exec every generated method; docs/decisions.md D30).
class ToolOutcome(NamedTuple):
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
