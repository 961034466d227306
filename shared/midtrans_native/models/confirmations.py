"""The cancel and refund tools' models: a prompt (order, and a refund's amount), then the customer's decision on it.
Shapes as in `models.api` (*Arguments, *Body, *Request, *Response)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from midtrans_native.models.api import (
    CONFIRMATION_ID_DESCRIPTION,
    CONFIRMATION_ID_PATTERN,
    AgentRequest,
    AgentResponse,
    ContextBody,
    ResolvedContext,
    ToolArguments,
)
from midtrans_native.models.common import Locale, OptionalOrderId, whole_number


class CancellationArguments(ToolArguments):
    order_id: OptionalOrderId = Field(default=None, description="Order to cancel; absent → needs_order_id")


class CancellationBody(CancellationArguments, ContextBody):
    pass


class CancellationRequest(CancellationArguments, AgentRequest):
    pass


Decision = Literal["confirm", "decline"]
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
