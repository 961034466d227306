"""Admin action configuration models (PRD S01 and its negative scenarios)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from midtrans_native.models.common import WHITESPACE, DeferredModel, SchemaExtra
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


# Control and invisible characters: Unicode's Cc and Cf, and the BMP's private-use block (Co), except whitespace,
# which is folded instead; Unicode 14.0, Python 3.11's unicodedata (a unit test recomputes the ranges). The
# supplementary private-use planes (U+F0000 up) render as symbols and are allowed: 131,068 more characters in the
# class would make every generator of the schema (schemathesis, Hypothesis) many times slower.
INVISIBLE_RANGES = (
    (0x00, 0x08), (0x0E, 0x1B), (0x7F, 0x84), (0x86, 0x9F), (0xAD, 0xAD), (0x600, 0x605), (0x61C, 0x61C),
    (0x6DD, 0x6DD), (0x70F, 0x70F), (0x890, 0x891), (0x8E2, 0x8E2), (0x180E, 0x180E), (0x200B, 0x200F),
    (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F), (0xE000, 0xF8FF), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)  # fmt: skip


def _class_body(ranges: tuple[tuple[int, int], ...]) -> str:
    """A character class body every engine reads alike: \\uXXXX escapes in the BMP, the character itself beyond."""

    def char(code: int) -> str:
        return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)

    return "".join(char(low) if low == high else f"{char(low)}-{char(high)}" for low, high in ranges)


_INVISIBLE = _class_body(INVISIBLE_RANGES)
# Something that is not whitespace, and nothing invisible.
ADMIN_TEXT_PATTERN = f"^[^{_INVISIBLE}]*[^{_INVISIBLE}{WHITESPACE}][^{_INVISIBLE}]*$"
# The same characters for Python's re, plus the lone surrogates a JSON string can carry (no Rust regex can).
_INVISIBLE_CHARACTER = re.compile(f"[{_INVISIBLE}\\ud800-\\udfff]")


class _AdminText(NamedTuple):
    constraints: StringConstraints
    check: BeforeValidator
    fold: AfterValidator


def _text(max_length: int) -> _AdminText:
    def check(value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip():
            raise ValueError("must not be empty")
        if len(value) > max_length:
            raise ValueError(f"must be at most {max_length} characters")
        if _INVISIBLE_CHARACTER.search(value):
            raise ValueError("must not contain control or invisible characters")
        return value

    return _AdminText(
        StringConstraints(max_length=max_length, pattern=ADMIN_TEXT_PATTERN),
        BeforeValidator(check),
        AfterValidator(lambda value: " ".join(value.split())),  # trims and folds runs of whitespace, newlines included
    )


_NAME = _text(100)
_TRIGGER = _text(1000)
ActionName = Annotated[str, _NAME.constraints, _NAME.check, _NAME.fold]
TriggerDescription = Annotated[str, _TRIGGER.constraints, _TRIGGER.check, _TRIGGER.fold]


class ActionFields(DeferredModel):
    model_config = ConfigDict(extra="forbid")

    action_name: ActionName
    trigger_description: TriggerDescription
    defaults: PaymentLinkDefaults | None = Field(default=None, description="Only for create_payment_link")


def _defaults_only_where_configurable_schema(schema: dict[str, Any]) -> None:
    """`_defaults_only_where_configurable`, for the schema: another action type takes no defaults."""
    schema["if"] = {"properties": {"action_type": {"not": {"enum": configurable_types()}}}}
    schema["then"] = {"properties": {"defaults": {"type": "null"}}}


class ActionCreate(ActionFields):
    model_config = ConfigDict(json_schema_extra=_defaults_only_where_configurable_schema)

    action_type: Annotated[
        str,
        BeforeValidator(lambda value: _action_type(value) if isinstance(value, str) else value),
        SchemaExtra({"enum": list(ACTION_TYPE_IDS)}),
    ] = Field(description=", ".join(ACTION_TYPE_IDS))

    @model_validator(mode="after")
    def _defaults_only_where_configurable(self) -> ActionCreate:
        spec = find_action_type(self.action_type)
        if self.defaults is not None and (spec is None or spec.defaults is None):
            raise ValueError(f"defaults can only be set for {', '.join(configurable_types())}")
        return self


class ActionUpdate(ActionFields):
    """The type of an action cannot change: delete it and create one of the other type."""


class ActionView(DeferredModel):
    action_id: str
    action_type: str
    action_type_label: str
    action_name: str
    trigger_description: str
    defaults: dict[str, Any] | None = None
    created_at: datetime
    updated_at: datetime


class ActionList(DeferredModel):
    actions: list[ActionView]


class ActionDeleted(DeferredModel):
    action_id: str
    deleted: Literal[True] = True


def configurable_types() -> list[str]:
    """Action types whose defaults the admin may preset."""
    return [spec.id for spec in ACTION_TYPES if spec.defaults is not None]


class ActionTypeLabels(DeferredModel):
    en: str
    id: str


class ActionTypeView(DeferredModel):
    """One entry of the admin's action-type selector (PRD S01 AC-1)."""

    action_type: str
    label: str = Field(description="In the requested locale")
    labels: ActionTypeLabels
    phase: str
    moves_money: bool = Field(description="Cancel and refund: they ask the customer to confirm first")
    configured: bool = Field(description="This account already has an action of this type")
    action_id: str | None = Field(default=None, description="The configured action, when there is one")


class ActionTypeList(DeferredModel):
    action_types: list[ActionTypeView]
