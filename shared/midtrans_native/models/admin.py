"""Admin action configuration models (PRD S01 and its negative scenarios)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from midtrans_native.models.payment_links import PaymentLinkDefaults
from midtrans_native.registry import ACTION_TYPE_IDS, ACTION_TYPES, LATER_PHASE_ACTION_TYPES, find_action_type


def _action_type(value: str) -> str:
    # NEG-3: later-phase types exist in the product plan but not in this phase; the refusal says so.
    available = ", ".join(ACTION_TYPE_IDS)
    if value in LATER_PHASE_ACTION_TYPES:
        raise ValueError(f"'{value}' is planned for a later phase and is not available yet; available: {available}")
    if find_action_type(value) is None:
        raise ValueError(f"unknown action type '{value}'; available: {available}")
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
    action_type: Annotated[str, AfterValidator(_action_type)] = Field(description=", ".join(ACTION_TYPE_IDS))

    @model_validator(mode="after")
    def _defaults_only_where_configurable(self) -> ActionCreate:
        spec = find_action_type(self.action_type)
        if self.defaults is not None and (spec is None or spec.defaults is None):
            raise ValueError(f"defaults can only be set for {', '.join(configurable_types())}")
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


def configurable_types() -> list[str]:
    """Action types whose defaults the admin may preset."""
    return [spec.id for spec in ACTION_TYPES if spec.defaults is not None]


class ActionTypeLabels(BaseModel):
    en: str
    id: str


class ActionTypeView(BaseModel):
    """One entry of the admin's action-type selector (PRD S01 AC-1)."""

    action_type: str
    label: str = Field(description="In the requested locale")
    labels: ActionTypeLabels
    phase: str
    moves_money: bool = Field(description="Cancel and refund: they ask the customer to confirm first")
    configured: bool = Field(description="This account already has an action of this type")
    action_id: str | None = Field(default=None, description="The configured action, when there is one")


class ActionTypeList(BaseModel):
    action_types: list[ActionTypeView]
