"""HTTP request and response models: the shapes every agent route shares, the status check's, errors and the
agent's native interface. Requests forbid unknown fields: tenant and role come only from the verified token, so a
body that tries to carry them (or anything else unexpected) is refused. The cancel and refund models are in
`models.confirmations`, the admin's connection models in `models.connection`, the payment link's in
`models.payment_links`: a function imports the models of its own routes (docs/decisions.md D30)."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    ConfigDict,
    Field,
)

from midtrans_native.errors import FailureReason
from midtrans_native.models.common import (
    ConversationId,
    CustomerMessageId,
    DeferredModel,
    Locale,
    OptionalOrderId,
)

# ---- agent routes -------------------------------------------------------------------------------
#
# Each agent request exists in three shapes, so that what the model may say and what the platform says stay
# apart (docs/agent-integration.md):
#   *Arguments  what the customer gives (order id, amount, reason...): an LLM tool's input schema, nothing else;
#   *Body       the REST body: the arguments plus the conversation context fields older callers still send
#               (the platform's headers X-Conversation-Id, X-Channel-Type, Accept-Language are preferred);
#   *Request    what the action runs with: the arguments plus the context resolved from headers and body.
# The model never supplies the conversation, channel, locale or tenant: they are not in the *Arguments.

CONTEXT_FIELDS = ("conversation_id", "channel_type", "locale")


class ToolArguments(DeferredModel):
    model_config = ConfigDict(extra="forbid")


class ContextBody(DeferredModel):
    """Context fields a REST body may still carry; a header that disagrees with one of them is a 422."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: ConversationId | None = Field(
        default=None,
        description="Deprecated in the body: send the X-Conversation-Id header (when both are sent they must agree)",
        json_schema_extra={"deprecated": True},
    )
    locale: Locale | None = Field(
        default=None,
        description="Deprecated in the body: send Accept-Language (when both are sent they must agree)",
        json_schema_extra={"deprecated": True},
    )


class ResolvedContext(DeferredModel):
    """The context an agent action runs with, resolved from the platform's headers and the body."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: ConversationId
    customer_message_id: CustomerMessageId | None = Field(
        default=None, description="X-Customer-Message-Id: the customer message this call answers (turn guard)"
    )


class AgentRequest(ResolvedContext):
    locale: Locale = "en"


class PaymentStatusArguments(ToolArguments):
    order_id: OptionalOrderId = Field(
        default=None, description="Midtrans order_id or transaction_id; absent or empty → needs_order_id"
    )


class PaymentStatusBody(PaymentStatusArguments, ContextBody):
    pass


class PaymentStatusRequest(PaymentStatusArguments, AgentRequest):
    pass


class PaymentDetails(DeferredModel):
    order_id: str
    transaction_id: str | None
    transaction_status: str = Field(description="Midtrans transaction_status, lower-case")
    fraud_status: str | None
    gross_amount: int = Field(description="Whole rupiah")
    currency: str
    payment_type: str | None
    transaction_time: str | None = Field(description="As Midtrans gives it: 'YYYY-MM-DD HH:MM:SS', GMT+7")
    settlement_time: str | None


class AgentResponse(DeferredModel):
    outcome: str
    message: str = Field(description="Customer-ready text in the requested locale")
    locale: Locale
    failure_reason: FailureReason | None = None
    retry_after_seconds: int | None = Field(
        default=None,
        description="With failure_reason rate_limited: seconds to wait before trying again, when Midtrans said",
    )


class PaymentStatusResponse(AgentResponse):
    outcome: Literal["ok", "needs_order_id", "not_found", "failed"]
    order_id: str | None = None
    payment: PaymentDetails | None = None


# Confirmation ids are random UUIDs (stored lower-case).
CONFIRMATION_ID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
CONFIRMATION_ID_DESCRIPTION = "The confirmation_id from the confirmation_required answer"


class ErrorResponse(DeferredModel):
    error: str = Field(description="Stable machine-readable code")
    message: str = Field(description="Human-readable explanation")
    failure_reason: FailureReason | None = None
    detail: list[dict[str, object]] | None = None


# ---- the agent's native interface ---------------------------------------------------------------


class ToolCatalog(DeferredModel):
    """GET /v1/agent/tools: MCP tool definitions by default; OpenAI or Anthropic shapes on request."""

    tools: list[dict[str, object]] = Field(
        description="mcp: {name, title, description, inputSchema, outputSchema, annotations}; openai: "
        "{type: function, function: {name, description, parameters}}; anthropic: {name, description, input_schema}"
    )


class JsonRpcMessage(DeferredModel):
    """POST /mcp answers JSON-RPC 2.0 (the MCP specification defines `result` per method)."""

    model_config = ConfigDict(extra="allow")

    jsonrpc: Literal["2.0"]
    id: str | int | None = None
    result: dict[str, object] | None = None
    error: dict[str, object] | None = None
