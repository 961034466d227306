"""HTTP request and response models. Requests forbid unknown fields: tenant and role come only from the
verified token, so a body that tries to carry them (or anything else unexpected) is refused."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
    model_validator,
)

from midtrans_native.errors import FailureReason
from midtrans_native.models.common import ConversationId, CustomerMessageId, Environment, Locale, OptionalOrderId

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


class ToolArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContextBody(BaseModel):
    """Context fields a REST body may still carry; a header that disagrees with one of them is a 422."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: ConversationId | None = Field(
        default=None, description="Deprecated in the body: send the X-Conversation-Id header"
    )
    locale: Locale | None = Field(default=None, description="Deprecated in the body: send Accept-Language")


class ResolvedContext(BaseModel):
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


class PaymentDetails(BaseModel):
    order_id: str
    transaction_id: str | None
    transaction_status: str = Field(description="Midtrans transaction_status, lower-case")
    fraud_status: str | None
    gross_amount: int = Field(description="Whole rupiah")
    currency: str
    payment_type: str | None
    transaction_time: str | None = Field(description="As Midtrans gives it: 'YYYY-MM-DD HH:MM:SS', GMT+7")
    settlement_time: str | None


class AgentResponse(BaseModel):
    outcome: str
    message: str = Field(description="Customer-ready text in the requested locale")
    locale: Locale
    failure_reason: FailureReason | None = None


class PaymentStatusResponse(AgentResponse):
    outcome: Literal["ok", "needs_order_id", "not_found", "failed"]
    order_id: str | None = None
    payment: PaymentDetails | None = None


class CancellationArguments(ToolArguments):
    order_id: OptionalOrderId = Field(default=None, description="Order to cancel; absent → needs_order_id")


class CancellationBody(CancellationArguments, ContextBody):
    pass


class CancellationRequest(CancellationArguments, AgentRequest):
    pass


Decision = Literal["confirm", "decline"]
# Confirmation ids are random UUIDs (stored lower-case).
CONFIRMATION_ID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
CONFIRMATION_ID_DESCRIPTION = "The confirmation_id from the confirmation_required answer"
ConfirmationId = Annotated[
    str,
    StringConstraints(pattern=CONFIRMATION_ID_PATTERN),
    AfterValidator(str.lower),
    Field(description=CONFIRMATION_ID_DESCRIPTION),
]


class DecisionArguments(ToolArguments):
    """The customer's answer to a confirmation prompt, relayed by the agent from the same conversation."""

    confirmation_id: ConfirmationId
    decision: Decision


class DecisionBody(ContextBody):
    """REST: the confirmation id is in the path."""

    decision: Decision
    locale: Locale | None = Field(default=None, description="Defaults to the locale of the prompt")


class DecisionRequest(DecisionArguments, ResolvedContext):
    locale: Locale | None = Field(default=None, description="Defaults to the locale of the prompt")


class CancellationResponse(AgentResponse):
    outcome: Literal["confirmation_required", "not_eligible", "needs_order_id", "not_found", "failed"]
    order_id: str | None = None
    transaction_status: str | None = None
    confirmation_id: str | None = Field(default=None, description="Send the customer's answer to .../decision")
    expires_at: datetime | None = None


class CancellationDecisionResponse(AgentResponse):
    outcome: Literal["cancelled", "declined", "not_eligible", "failed"]
    confirmation_id: str
    order_id: str
    transaction_status: str | None = None
    replayed: bool = Field(default=False, description="True when this repeats the first decision's result")


RefundAmount = Annotated[int, Field(strict=True, gt=0, le=999_999_999_999, description="Whole rupiah")]
_Reason = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^\x00-\x1f\x7f]+$")]


class RefundArguments(ToolArguments):
    order_id: OptionalOrderId = Field(default=None, description="Order to refund; absent → needs_order_id")
    amount: RefundAmount | None = Field(default=None, description="Absent = everything still refundable")
    reason: _Reason | None = Field(default=None, description="Shown in the Midtrans dashboard")


class RefundBody(RefundArguments, ContextBody):
    pass


class RefundRequest(RefundArguments, AgentRequest):
    pass


_AmountCheck = Field(
    default=None, description="Optional cross-check: must equal the confirmed amount, or nothing is sent"
)


class RefundDecisionArguments(DecisionArguments):
    amount: RefundAmount | None = _AmountCheck


class RefundDecisionBody(DecisionBody):
    amount: RefundAmount | None = _AmountCheck


class RefundDecisionRequest(RefundDecisionArguments, ResolvedContext):
    locale: Locale | None = Field(default=None, description="Defaults to the locale of the prompt")


class RefundResponse(AgentResponse):
    outcome: Literal[
        "confirmation_required", "not_eligible", "needs_order_id", "not_found", "failed", "already_requested"
    ]
    order_id: str | None = None
    transaction_status: str | None = None
    confirmation_id: str | None = None
    expires_at: datetime | None = None
    amount: int | None = Field(default=None, description="The amount the customer is asked to confirm")
    refundable_amount: int | None = Field(default=None, description="What is still refundable (gross minus refunded)")
    not_eligible_reason: Literal["status", "payment_method", "full_refund_only"] | None = None


class RefundDecisionResponse(AgentResponse):
    outcome: Literal["refunded", "declined", "not_eligible", "failed"]
    confirmation_id: str
    order_id: str
    amount: int | None = None
    refund_key: str | None = Field(default=None, description="Our idempotency key at Midtrans, for support")
    transaction_status: str | None = None
    replayed: bool = Field(default=False, description="True when this repeats the first decision's result")


# ---- admin routes -------------------------------------------------------------------------------

_Key = Annotated[str, StringConstraints(min_length=8, max_length=200, pattern=r"^[A-Za-z0-9_\-:.]+$")]
_OptionalId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-.]+$")]


class BiSnapConnect(BaseModel):
    """BI-SNAP credentials from the Midtrans dashboard (Settings > Access Keys, Payment BI SNAP)."""

    model_config = ConfigDict(extra="forbid")

    client_id: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-.]+$")]
    client_secret: Annotated[SecretStr, Field(min_length=8, max_length=256)]
    private_key: Annotated[
        SecretStr,
        Field(min_length=100, max_length=8192, description="RSA private key: PEM, unencrypted, ≥ 2048 bits"),
    ]
    channel_id: Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")] = Field(
        description="CHANNEL-ID from the credential exchange: 5 digits"
    )

    @field_validator("private_key")
    @classmethod
    def _rsa_private_key(cls, value: SecretStr) -> SecretStr:
        # Checked here so a key Midtrans could never accept is refused before any call (the message
        # never repeats the key).
        from midtrans_native.models.keys import load_rsa_private_key

        load_rsa_private_key(value.get_secret_value())
        return value


class ConnectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    server_key: Annotated[SecretStr, Field(min_length=8, max_length=200)]
    client_key: _Key
    environment: Environment
    partner_id: _OptionalId | None = None
    merchant_id: _OptionalId | None = None
    bisnap: BiSnapConnect | None = Field(
        default=None,
        description="Optional BI-SNAP credentials: when given (with partner_id and merchant_id), status, cancel and "
        "refund go over BI-SNAP with signed, token-authenticated calls; payment links always use the server key",
    )
    locale: Locale = "en"

    @model_validator(mode="after")
    def _bisnap_needs_partner_and_merchant(self) -> ConnectRequest:
        if self.bisnap is not None and not (self.partner_id and self.merchant_id):
            raise ValueError("BI-SNAP needs partner_id (X-PARTNER-ID) and merchant_id as well")
        return self


class ConnectionView(BaseModel):
    """What an admin sees: never the key itself, only a masked form."""

    status: Literal["connected", "not_connected"]
    message: str | None = None
    environment: Environment | None = None
    mode: Literal["core_api", "bisnap"] | None = Field(
        default=None, description="core_api: server key only; bisnap: status, cancel and refund over BI-SNAP"
    )
    bisnap_client_id: str | None = Field(default=None, description="Masked BI-SNAP client id")
    bisnap_channel_id: str | None = None
    masked_server_key: str | None = None
    masked_client_key: str | None = None
    partner_id: str | None = None
    merchant_id: str | None = None
    connected_at: datetime | None = None
    updated_at: datetime | None = None


class ErrorResponse(BaseModel):
    error: str = Field(description="Stable machine-readable code")
    message: str = Field(description="Human-readable explanation")
    failure_reason: FailureReason | None = None
    detail: list[dict[str, object]] | None = None


# ---- the agent's native interface ---------------------------------------------------------------


class ToolCatalog(BaseModel):
    """GET /v1/agent/tools: MCP tool definitions by default; OpenAI or Anthropic shapes on request."""

    tools: list[dict[str, object]] = Field(
        description="mcp: {name, title, description, inputSchema, outputSchema, annotations}; openai: "
        "{type: function, function: {name, description, parameters}}; anthropic: {name, description, input_schema}"
    )


class JsonRpcMessage(BaseModel):
    """POST /mcp answers JSON-RPC 2.0 (the MCP specification defines `result` per method)."""

    model_config = ConfigDict(extra="allow")

    jsonrpc: Literal["2.0"]
    id: str | int | None = None
    result: dict[str, object] | None = None
    error: dict[str, object] | None = None
