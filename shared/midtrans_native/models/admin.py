"""Admin action configuration models (PRD S01 and its negative scenarios)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from midtrans_native.models.payment_links import PaymentLinkDefaults

P0_ACTION_TYPES = ("check_payment_status", "create_payment_link", "cancel_transaction", "request_refund")
# NEG-3: P1/P2 actions exist in the product plan but not in this phase; name them so the refusal is clear.
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


def _action_type(value: str) -> str:
    if value in LATER_PHASE_ACTION_TYPES:
        raise ValueError(
            f"'{value}' is planned for a later phase and is not available yet; available: {', '.join(P0_ACTION_TYPES)}"
        )
    if value not in P0_ACTION_TYPES:
        raise ValueError(f"unknown action type '{value}'; available: {', '.join(P0_ACTION_TYPES)}")
    return value


def _text(max_length: int) -> Any:
    def check(value: str) -> str:
        value = " ".join(value.split())  # trims and folds runs of whitespace, newlines included
        if not value:
            raise ValueError("must not be empty")
        if len(value) > max_length:
            raise ValueError(f"must be at most {max_length} characters")
        if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in value):
            raise ValueError("must not contain control or invisible characters")
        return value

    return AfterValidator(check)


ActionName = Annotated[str, _text(100)]
TriggerDescription = Annotated[str, _text(1000)]


class ActionFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action_name: ActionName
    trigger_description: TriggerDescription
    defaults: PaymentLinkDefaults | None = Field(default=None, description="Only for create_payment_link")


class ActionCreate(ActionFields):
    action_type: Annotated[str, AfterValidator(_action_type)] = Field(description=", ".join(P0_ACTION_TYPES))

    @model_validator(mode="after")
    def _defaults_only_for_links(self) -> ActionCreate:
        if self.defaults is not None and self.action_type != "create_payment_link":
            raise ValueError("defaults can only be set for create_payment_link")
        return self


class ActionUpdate(ActionFields):
    """The type of an action cannot change: delete it and create one of the other type."""


class ActionView(BaseModel):
    action_id: str
    action_type: str
    action_type_label: str
    action_name: str
    trigger_description: str
    defaults: dict[str, Any] | None = None
    created_at: datetime
    updated_at: datetime


class ActionList(BaseModel):
    actions: list[ActionView]


class ActionDeleted(BaseModel):
    action_id: str
    deleted: Literal[True] = True
