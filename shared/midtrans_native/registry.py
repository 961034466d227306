"""The action registry: the one place that names the agent's action types and their tools.

Everything that lists action types derives from `ACTION_TYPES`: admin validation (and the refusal of later-phase
types), the agent gates' labels, the success-rate metrics, OpenAPI tags, the tool catalog, MCP, the admin's
type selector, and the template test that checks routes, grants and dashboard rows. docs/adding-an-action.md
lists what a fifth action needs.

This module sits at the models level: it imports models only. Tools name the function that runs them as an
import path (`operation`), resolved by the entry points (REST handlers and MCP), so the registry never imports
upward.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from midtrans_native.models.api import (
    CancellationArguments,
    CancellationBody,
    CancellationDecisionResponse,
    CancellationRequest,
    CancellationResponse,
    DecisionArguments,
    DecisionBody,
    DecisionRequest,
    PaymentStatusArguments,
    PaymentStatusBody,
    PaymentStatusRequest,
    PaymentStatusResponse,
    RefundArguments,
    RefundBody,
    RefundDecisionArguments,
    RefundDecisionBody,
    RefundDecisionRequest,
    RefundDecisionResponse,
    RefundRequest,
    RefundResponse,
)
from midtrans_native.models.common import Locale
from midtrans_native.models.payment_links import (
    CreatePaymentLinkRequest,
    CreatePaymentLinkResponse,
    PaymentLinkArguments,
    PaymentLinkBody,
    PaymentLinkDefaults,
)

Phase = Literal["P0", "P1", "P2"]


@dataclass(frozen=True)
class Route:
    method: str  # upper case, as API Gateway's route key
    path: str  # API Gateway's form: /v1/refunds/{confirmation_id}/decision

    @property
    def resolver_path(self) -> str:
        """Powertools' form of the same path: /v1/refunds/<confirmation_id>/decision."""
        return self.path.replace("{", "<").replace("}", ">")


@dataclass(frozen=True)
class ToolSpec:
    """One LLM tool and the REST route that does the same thing."""

    name: str
    title: str
    does: str  # what the tool does, in words for the model; the catalog adds the admin's text and the rules
    arguments: type[BaseModel]  # the tool's input schema: only what the customer gives
    body: type[BaseModel]  # the REST body (arguments + the deprecated context fields)
    request: type[BaseModel]  # what the action runs with (arguments + resolved context)
    response: type[BaseModel]
    route: Route
    operation: str  # "module:function" that runs it, for REST and MCP alike
    path_parameter: str | None = None  # an argument that travels in the REST path, not the body
    decision: bool = False  # answers a confirmation prompt: only after the customer replied
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False


@dataclass(frozen=True)
class ActionTypeSpec:
    id: str
    labels: Mapping[Locale, str]
    phase: Phase
    function_id: str  # the template's logical id of the Lambda that serves its routes
    tools: tuple[ToolSpec, ...]
    moves_money: bool  # cancel and refund: a confirmation record, then exactly one call
    counts_in_success_rate: bool  # in the PRD's success-rate KPI and the failure-rate alarms
    defaults: type[BaseModel] | None = None  # what the admin may preset for it

    @property
    def routes(self) -> tuple[Route, ...]:
        return tuple(tool.route for tool in self.tools)

    def label(self, locale: Locale = "en") -> str:
        return self.labels[locale]


_OPERATIONS = "midtrans_native.agent_operations"

CHECK_PAYMENT_STATUS = ActionTypeSpec(
    id="check_payment_status",
    labels={"en": "Check Payment Status", "id": "Cek Status Pembayaran"},
    phase="P0",
    function_id="CheckPaymentStatusFunction",
    moves_money=False,
    counts_in_success_rate=True,
    tools=(
        ToolSpec(
            name="check_payment_status",
            title="Check payment status",
            does="Look up a Midtrans payment by the customer's order ID (or transaction ID) and get its status "
            "(paid, pending, expired, cancelled, refunded...), amount and payment method as a customer-ready "
            "message. Without an order ID it asks the customer for one.",
            arguments=PaymentStatusArguments,
            body=PaymentStatusBody,
            request=PaymentStatusRequest,
            response=PaymentStatusResponse,
            route=Route("POST", "/v1/payments/status"),
            operation=f"{_OPERATIONS}:check_payment_status",
            read_only=True,
            idempotent=True,
        ),
    ),
)

CREATE_PAYMENT_LINK = ActionTypeSpec(
    id="create_payment_link",
    labels={"en": "Create Payment Link", "id": "Buat Tautan Pembayaran"},
    phase="P0",
    function_id="CreatePaymentLinkFunction",
    moves_money=False,
    counts_in_success_rate=True,
    defaults=PaymentLinkDefaults,
    tools=(
        ToolSpec(
            name="create_payment_link",
            title="Create a payment link",
            does="Create a Midtrans payment link for an amount in whole rupiah (optionally with items, whose "
            "price * quantity must add up to the amount, and customer details) and get the ready-to-send "
            "`delivery`: a WhatsApp button message on WhatsApp, a text with the link elsewhere. Asking again "
            "with the same details returns the same link.",
            arguments=PaymentLinkArguments,
            body=PaymentLinkBody,
            request=CreatePaymentLinkRequest,
            response=CreatePaymentLinkResponse,
            route=Route("POST", "/v1/payment-links"),
            operation=f"{_OPERATIONS}:create_payment_link",
            idempotent=True,
        ),
    ),
)

CANCEL_TRANSACTION = ActionTypeSpec(
    id="cancel_transaction",
    labels={"en": "Cancel Transaction", "id": "Batalkan Transaksi"},
    phase="P0",
    function_id="CancelTransactionFunction",
    moves_money=True,
    counts_in_success_rate=True,
    tools=(
        ToolSpec(
            name="cancel_transaction",
            title="Ask to cancel a transaction",
            does="Check whether the customer's order can still be cancelled and, if it can, get a confirmation "
            "prompt (`message`) and a `confirmation_id`. This tool never cancels anything.",
            arguments=CancellationArguments,
            body=CancellationBody,
            request=CancellationRequest,
            response=CancellationResponse,
            route=Route("POST", "/v1/cancellations"),
            operation=f"{_OPERATIONS}:request_cancellation",
            idempotent=True,  # an open prompt for the same conversation and order is returned again (D28)
        ),
        ToolSpec(
            name="cancel_transaction_decision",
            title="Relay the customer's answer to a cancellation prompt",
            does="Pass on the customer's answer to a cancellation prompt: `confirm` cancels the order exactly "
            "once, `decline` changes nothing. Repeating a decision returns the first decision's result.",
            arguments=DecisionArguments,
            body=DecisionBody,
            request=DecisionRequest,
            response=CancellationDecisionResponse,
            route=Route("POST", "/v1/cancellations/{confirmation_id}/decision"),
            operation=f"{_OPERATIONS}:decide_cancellation",
            path_parameter="confirmation_id",
            decision=True,
            destructive=True,
            idempotent=True,
        ),
    ),
)

REQUEST_REFUND = ActionTypeSpec(
    id="request_refund",
    labels={"en": "Request Refund", "id": "Ajukan Pengembalian Dana"},
    phase="P0",
    function_id="RequestRefundFunction",
    moves_money=True,
    counts_in_success_rate=True,
    tools=(
        ToolSpec(
            name="request_refund",
            title="Ask to refund a payment",
            does="Check whether the customer's payment can be refunded (everything still refundable, or a "
            "partial `amount` in whole rupiah) and, if it can, get a confirmation prompt (`message`) and a "
            "`confirmation_id`. This tool never refunds anything.",
            arguments=RefundArguments,
            body=RefundBody,
            request=RefundRequest,
            response=RefundResponse,
            route=Route("POST", "/v1/refunds"),
            operation=f"{_OPERATIONS}:request_refund",
            idempotent=True,
        ),
        ToolSpec(
            name="request_refund_decision",
            title="Relay the customer's answer to a refund prompt",
            does="Pass on the customer's answer to a refund prompt: `confirm` submits exactly one refund for the "
            "confirmed amount, `decline` changes nothing. Repeating a decision returns the first decision's result.",
            arguments=RefundDecisionArguments,
            body=RefundDecisionBody,
            request=RefundDecisionRequest,
            response=RefundDecisionResponse,
            route=Route("POST", "/v1/refunds/{confirmation_id}/decision"),
            operation=f"{_OPERATIONS}:decide_refund",
            path_parameter="confirmation_id",
            decision=True,
            destructive=True,
            idempotent=True,
        ),
    ),
)

ACTION_TYPES: tuple[ActionTypeSpec, ...] = (
    CHECK_PAYMENT_STATUS,
    CREATE_PAYMENT_LINK,
    CANCEL_TRANSACTION,
    REQUEST_REFUND,
)
ACTION_TYPE_IDS: tuple[str, ...] = tuple(spec.id for spec in ACTION_TYPES)
# In the product plan for later phases: named so the admin gets "not available yet", not "unknown".
LATER_PHASE_ACTION_TYPES = frozenset(
    {
        "create_snap_token",
        "create_invoice",
        "get_invoice",
        "void_invoice",
        "create_subscription",
        "get_subscription",
        "cancel_subscription",
        "get_transaction_history",
        "capture_transaction",
        "direct_refund",
        "update_subscription",
    }
)
SUCCESS_RATE_ACTION_TYPES = frozenset(spec.id for spec in ACTION_TYPES if spec.counts_in_success_rate)

_BY_ID = {spec.id: spec for spec in ACTION_TYPES}
_BY_TOOL = {tool.name: (spec, tool) for spec in ACTION_TYPES for tool in spec.tools}


def action_type(action_type_id: str) -> ActionTypeSpec:
    """The spec of a known action type (KeyError otherwise: callers pass registry ids)."""
    return _BY_ID[action_type_id]


def find_action_type(action_type_id: str) -> ActionTypeSpec | None:
    return _BY_ID.get(action_type_id)


def find_tool(name: str) -> tuple[ActionTypeSpec, ToolSpec] | None:
    return _BY_TOOL.get(name)
