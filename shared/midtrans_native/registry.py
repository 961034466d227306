"""The action registry: the one place that names the agent's action types and their tools.

Everything that lists action types derives from `ACTION_TYPES`: admin validation (and the refusal of later-phase
types), the agent gates' labels, the success-rate metrics, OpenAPI tags, the tool catalog, MCP, the admin's
type selector, and the template test that checks routes, grants and dashboard rows. docs/adding-an-action.md
lists what a fifth action needs.

This module sits at the models level. Tools name the function that runs them (`operation`) and their models
(`arguments`, `body`, `request`, `response`) as import paths, "module:name", resolved on first use: the registry
never imports upward, and a function imports the models of its own action only, not every action's
(docs/decisions.md D30: the status function's cold start no longer builds the payment-link models).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from typing import Literal, NamedTuple

from pydantic import BaseModel

from midtrans_native.models.common import Locale

Phase = Literal["P0", "P1", "P2"]


# Records here are NamedTuples, not frozen dataclasses: as immutable, and a tenth of the cost to define during a
# cold start (Python 3.11 dataclasses exec every generated method; docs/decisions.md D30).
class Route(NamedTuple):
    method: str  # upper case, as API Gateway's route key
    path: str  # API Gateway's form: /v1/refunds/{confirmation_id}/decision

    @property
    def resolver_path(self) -> str:
        """Powertools' form of the same path: /v1/refunds/<confirmation_id>/decision."""
        return self.path.replace("{", "<").replace("}", ">")


@cache
def resolve(path: str) -> object:
    """What an import path names ("module:name"): a tool's operation or model, imported on first use."""
    module_name, _, name = path.partition(":")
    return getattr(importlib.import_module(module_name), name)


def resolve_model(path: str) -> type[BaseModel]:
    model = resolve(path)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"{path} is not a pydantic model")
    return model


class ToolSpec(NamedTuple):
    """One LLM tool and the REST route that does the same thing. Models are named "module:Class"."""

    name: str
    title: str
    does: str  # what the tool does, in words for the model; the catalog adds the admin's text and the rules
    arguments_model: str  # the tool's input schema: only what the customer gives
    body_model: str  # the REST body (arguments + the deprecated context fields)
    request_model: str  # what the action runs with (arguments + resolved context)
    response_model: str
    route: Route
    operation: str  # "module:function" that runs it, for REST and MCP alike
    path_parameter: str | None = None  # an argument that travels in the REST path, not the body
    decision: bool = False  # answers a confirmation prompt: only after the customer replied
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False

    @property
    def arguments(self) -> type[BaseModel]:
        return resolve_model(self.arguments_model)

    @property
    def body(self) -> type[BaseModel]:
        return resolve_model(self.body_model)

    @property
    def request(self) -> type[BaseModel]:
        return resolve_model(self.request_model)

    @property
    def response(self) -> type[BaseModel]:
        return resolve_model(self.response_model)


class ActionTypeSpec(NamedTuple):
    id: str
    labels: Mapping[Locale, str]
    phase: Phase
    function_id: str  # the template's logical id of the Lambda that serves its routes
    tools: tuple[ToolSpec, ...]
    moves_money: bool  # cancel and refund: a confirmation record, then exactly one call
    counts_in_success_rate: bool  # in the PRD's success-rate KPI and the failure-rate alarms
    defaults_model: str | None = None  # "module:Class": what the admin may preset for it

    @property
    def defaults(self) -> type[BaseModel] | None:
        return resolve_model(self.defaults_model) if self.defaults_model else None

    @property
    def routes(self) -> tuple[Route, ...]:
        return tuple(tool.route for tool in self.tools)

    def label(self, locale: Locale = "en") -> str:
        return self.labels[locale]


_OPERATIONS = "midtrans_native.agent_operations"
_CONFIRMATION_OPERATIONS = "midtrans_native.confirmation_operations"
_LINK_OPERATIONS = "midtrans_native.link_operations"
_API = "midtrans_native.models.api"
_CONFIRMATIONS = "midtrans_native.models.confirmations"
_LINKS = "midtrans_native.models.payment_links"

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
            arguments_model=f"{_API}:PaymentStatusArguments",
            body_model=f"{_API}:PaymentStatusBody",
            request_model=f"{_API}:PaymentStatusRequest",
            response_model=f"{_API}:PaymentStatusResponse",
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
    defaults_model=f"{_LINKS}:PaymentLinkDefaults",
    tools=(
        ToolSpec(
            name="create_payment_link",
            title="Create a payment link",
            does="Create a Midtrans payment link for an amount in whole rupiah (optionally with items, whose "
            "price * quantity must add up to the amount, and customer details) and get the ready-to-send "
            "`delivery`: a WhatsApp button message on WhatsApp, a text with the link elsewhere. Asking again "
            "with the same details returns the same link.",
            arguments_model=f"{_LINKS}:PaymentLinkArguments",
            body_model=f"{_LINKS}:PaymentLinkBody",
            request_model=f"{_LINKS}:CreatePaymentLinkRequest",
            response_model=f"{_LINKS}:CreatePaymentLinkResponse",
            route=Route("POST", "/v1/payment-links"),
            operation=f"{_LINK_OPERATIONS}:create_payment_link",
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
            arguments_model=f"{_CONFIRMATIONS}:CancellationArguments",
            body_model=f"{_CONFIRMATIONS}:CancellationBody",
            request_model=f"{_CONFIRMATIONS}:CancellationRequest",
            response_model=f"{_CONFIRMATIONS}:CancellationResponse",
            route=Route("POST", "/v1/cancellations"),
            operation=f"{_CONFIRMATION_OPERATIONS}:request_cancellation",
            idempotent=True,  # an open prompt for the same conversation and order is returned again (D28)
        ),
        ToolSpec(
            name="cancel_transaction_decision",
            title="Relay the customer's answer to a cancellation prompt",
            does="Pass on the customer's answer to a cancellation prompt: `confirm` cancels the order exactly "
            "once, `decline` changes nothing. Repeating a decision returns the first decision's result.",
            arguments_model=f"{_CONFIRMATIONS}:DecisionArguments",
            body_model=f"{_CONFIRMATIONS}:DecisionBody",
            request_model=f"{_CONFIRMATIONS}:DecisionRequest",
            response_model=f"{_CONFIRMATIONS}:CancellationDecisionResponse",
            route=Route("POST", "/v1/cancellations/{confirmation_id}/decision"),
            operation=f"{_CONFIRMATION_OPERATIONS}:decide_cancellation",
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
            arguments_model=f"{_CONFIRMATIONS}:RefundArguments",
            body_model=f"{_CONFIRMATIONS}:RefundBody",
            request_model=f"{_CONFIRMATIONS}:RefundRequest",
            response_model=f"{_CONFIRMATIONS}:RefundResponse",
            route=Route("POST", "/v1/refunds"),
            operation=f"{_CONFIRMATION_OPERATIONS}:request_refund",
            idempotent=True,
        ),
        ToolSpec(
            name="request_refund_decision",
            title="Relay the customer's answer to a refund prompt",
            does="Pass on the customer's answer to a refund prompt: `confirm` submits exactly one refund for the "
            "confirmed amount, `decline` changes nothing. Repeating a decision returns the first decision's result.",
            arguments_model=f"{_CONFIRMATIONS}:RefundDecisionArguments",
            body_model=f"{_CONFIRMATIONS}:RefundDecisionBody",
            request_model=f"{_CONFIRMATIONS}:RefundDecisionRequest",
            response_model=f"{_CONFIRMATIONS}:RefundDecisionResponse",
            route=Route("POST", "/v1/refunds/{confirmation_id}/decision"),
            operation=f"{_CONFIRMATION_OPERATIONS}:decide_refund",
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


def load_models() -> None:
    """Import every model the action types name, now. The functions that serve every action type (MCP, the tool
    catalog, the admin's actions) call it during init, so their first call does not import them instead."""
    for spec in ACTION_TYPES:
        _ = spec.defaults
        for tool in spec.tools:
            _ = (tool.arguments, tool.body, tool.request, tool.response)


def action_type(action_type_id: str) -> ActionTypeSpec:
    """The spec of a known action type (KeyError otherwise: callers pass registry ids)."""
    return _BY_ID[action_type_id]


def find_action_type(action_type_id: str) -> ActionTypeSpec | None:
    return _BY_ID.get(action_type_id)


def find_tool(name: str) -> tuple[ActionTypeSpec, ToolSpec] | None:
    return _BY_TOOL.get(name)
