"""HTTP request and response models. Requests forbid unknown fields: tenant and role come only from the
verified token, so a body that tries to carry them (or anything else unexpected) is refused."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict, JsonValue

from midtrans_native.errors import FailureReason
from midtrans_native.models.common import (
    ConversationId,
    CustomerMessageId,
    DeferredModel,
    Environment,
    Locale,
    OptionalOrderId,
    matching,
    whole_number,
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
    outcome: Literal[
        "confirmation_required", "not_eligible", "needs_order_id", "not_found", "failed", "already_requested"
    ]
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


MAX_RUPIAH = 999_999_999_999
RefundAmount = Annotated[
    int, Field(gt=0, le=MAX_RUPIAH, description="Whole rupiah"), whole_number(1, MAX_RUPIAH, " (rupiah, no decimals)")
]
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

# Midtrans publishes no character set for its keys and secrets. Every published one is printable ASCII without
# spaces (server keys SB-Mid-server-… / Mid-server-…, client keys SB-Mid-client-…: docs/midtrans-behaviour.md §2-3),
# and a secret goes into an HTTP Basic auth header (Latin-1) or an HMAC key: anything else is refused here, never
# at the first call to Midtrans. The messages name the rule, never the value.
CREDENTIAL_PATTERN = r"^[!-~]+$"
CREDENTIAL_RULE = "must be printable ASCII characters without spaces (as Midtrans keys are, e.g. SB-Mid-server-…)"
_KEY_PATTERN = r"^[A-Za-z0-9_\-:.]+$"
_ID_PATTERN = r"^[A-Za-z0-9_\-.]+$"
_Key = Annotated[
    str,
    StringConstraints(min_length=8, max_length=200, pattern=_KEY_PATTERN),
    matching(_KEY_PATTERN, "key_format", "must be letters, digits, '_', '-', ':' or '.' (as in SB-Mid-client-…)"),
]
_OptionalId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=_ID_PATTERN),
    matching(_ID_PATTERN, "id_format", "must be letters, digits, '_', '-' or '.'"),
]


def _secret(min_length: int, max_length: int, description: str | None = None) -> Any:
    """A SecretStr field's constraints. SecretStr takes no `pattern` constraint: the pattern is put into the
    schema as it is and checked on the plain text first (a message that never contains the value)."""
    return Field(
        min_length=min_length,
        max_length=max_length,
        description=description,
        json_schema_extra={"pattern": CREDENTIAL_PATTERN},
    )


_SecretText = matching(CREDENTIAL_PATTERN, "secret_format", CREDENTIAL_RULE)
# What load_pem_private_key reads: PEM armour around base64 lines (PKCS#8 or PKCS#1). Whether the base64 is an
# unencrypted RSA key of at least 2048 bits no pattern can say: `format` names that rule, the validator checks it.
PEM_PRIVATE_KEY_PATTERN = (
    r"^[ \t\r\n]*-----BEGIN (RSA )?PRIVATE KEY-----\r?\n([A-Za-z0-9+/=]+\r?\n)+"
    r"-----END (RSA )?PRIVATE KEY-----[ \t\r\n]*$"
)
PEM_PRIVATE_KEY_FORMAT = "pem-rsa-private-key"
PEM_PUBLIC_KEY_PATTERN = (
    r"^[ \t\r\n]*-----BEGIN (RSA )?PUBLIC KEY-----\r?\n([A-Za-z0-9+/=]+\r?\n)+"
    r"-----END (RSA )?PUBLIC KEY-----[ \t\r\n]*$"
)
PEM_PUBLIC_KEY_FORMAT = "pem-rsa-public-key"


class BiSnapConnect(DeferredModel):
    """BI-SNAP credentials from the Midtrans dashboard (Settings > Access Keys, Payment BI SNAP)."""

    model_config = ConfigDict(extra="forbid")

    client_id: _OptionalId
    client_secret: Annotated[SecretStr, _secret(8, 256), _SecretText]
    private_key: Annotated[
        SecretStr,
        Field(
            min_length=100,
            max_length=8192,
            description="RSA private key: PEM, unencrypted, ≥ 2048 bits",
            json_schema_extra={"pattern": PEM_PRIVATE_KEY_PATTERN, "format": PEM_PRIVATE_KEY_FORMAT},
        ),
    ]
    channel_id: Annotated[
        str,
        StringConstraints(pattern=r"^[0-9]{5}$"),
        matching(r"^[0-9]{5}$", "channel_id_format", "must be 5 digits"),
    ] = Field(description="CHANNEL-ID from the credential exchange: 5 digits")
    midtrans_public_key: str | None = Field(
        default=None,
        min_length=100,
        max_length=8192,
        pattern=PEM_PUBLIC_KEY_PATTERN,
        description="Midtrans' RSA public key (PEM) from the dashboard: verifies BI-SNAP payment notifications "
        "(without it, BI-SNAP notifications are refused; HTTP notifications need only the server key)",
        json_schema_extra={"format": PEM_PUBLIC_KEY_FORMAT},
    )

    @field_validator("private_key")
    @classmethod
    def _rsa_private_key(cls, value: SecretStr) -> SecretStr:
        # Checked here so a key Midtrans could never accept is refused before any call (the message
        # never repeats the key).
        from midtrans_native.models.keys import load_rsa_private_key

        load_rsa_private_key(value.get_secret_value())
        return value

    @field_validator("midtrans_public_key")
    @classmethod
    def _rsa_public_key(cls, value: str | None) -> str | None:
        from midtrans_native.models.keys import load_rsa_public_key

        if value is not None:
            load_rsa_public_key(value)
        return value


def _connect_rules() -> list[JsonValue]:
    """Rules across ConnectRequest's fields, for the schema: `_bisnap_needs_partner_and_merchant`, and the prefix
    check of actions.connection (a 422 environment_mismatch for keys of the other environment: §2)."""
    bisnap: JsonDict = {
        "if": {"required": ["bisnap"], "properties": {"bisnap": {"type": "object"}}},
        "then": {
            "required": ["partner_id", "merchant_id"],
            "properties": {"partner_id": {"type": "string"}, "merchant_id": {"type": "string"}},
        },
    }
    rules: list[JsonValue] = [bisnap]
    for environment, other in (("sandbox", ""), ("production", "SB-")):
        refused: JsonDict = {"not": {"pattern": f"^{other}Mid-(?:server|client)-"}}
        then: JsonDict = {"properties": {"server_key": refused, "client_key": refused}}
        rules.append({"if": {"properties": {"environment": {"const": environment}}}, "then": then})
    return rules


class ConnectRequest(DeferredModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"allOf": _connect_rules()})

    server_key: Annotated[SecretStr, _secret(8, 200), _SecretText]
    client_key: _Key
    environment: Environment
    partner_id: _OptionalId | None = Field(default=None, description="X-PARTNER-ID: required with bisnap")
    merchant_id: _OptionalId | None = Field(default=None, description="Required with bisnap")
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


class ConnectionView(DeferredModel):
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
    notification_url: str | None = Field(
        default=None,
        description="Paste into the Midtrans dashboard's Payment Notification URL (BI-SNAP: the notification base "
        "URL). Created on connect, kept on re-authorization, revoked by a disconnect. Treat it as a secret.",
    )


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
