"""Field types shared by requests and records. Validation here is what keeps hostile input away from Midtrans.

Every rule a request field has is in its JSON Schema as well (`pattern`, `minLength`, `maximum`...), so the OpenAPI
document and the LLM tools' input schemas refuse exactly what the code refuses. Patterns are written so that the
engines that read them agree: pydantic-core's and jsonschema-rs' Rust `regex`, Python's `re` (Hypothesis,
schemathesis) and ECMA-262: explicit character classes instead of `\\s` (each engine has its own idea of
whitespace), no look-around, characters outside the Basic Multilingual Plane written as themselves. A friendlier
message for an agent comes from a validator that runs first and checks the same rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, GetJsonSchemaHandler, StringConstraints
from pydantic_core import CoreSchema, PydanticCustomError

if TYPE_CHECKING:  # pydantic.json_schema costs ~25 ms to import; only the type is needed here
    from pydantic.json_schema import JsonSchemaValue

# Python's whitespace (str.isspace, what str.strip() and str.split() remove), as a character-class body.
WHITESPACE = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
# Control characters: C0, DEL and C1.
CONTROL = "\\x00-\\x1f\\x7f-\\x9f"
# Printable, no whitespace, no control or byte-order-mark characters: ids that come from the platform.
_ID_CHARACTER = f"[^{CONTROL}{WHITESPACE}\\ufeff]"

# Midtrans: order_id is String(50); letters, digits and the symbols - _ ~ . only (docs/midtrans-behaviour.md §9).
# "." and ".." match that alphabet but would walk the URL path (/v2/../status): at least one character is no dot.
ORDER_ID_MAX_LENGTH = 50
ORDER_ID_PATTERN = r"^[A-Za-z0-9\-_~.]*[A-Za-z0-9\-_~][A-Za-z0-9\-_~.]*$"
ORDER_ID_RULE = "order_id must be 1 to 50 characters: letters, digits, '-', '_', '~' or '.'"
_ORDER_ID = re.compile(r"[A-Za-z0-9\-_~.]{1,50}")
# Blank means "no order id" (agents send "" when the customer gave none): ASCII spaces, tabs and line breaks only.
BLANK_PATTERN = r"^[ \t\n\r]*$"
_BLANK = re.compile(r"[ \t\n\r]*")


def validate_order_id(value: str) -> str:
    if not _ORDER_ID.fullmatch(value):
        raise ValueError(ORDER_ID_RULE)
    if set(value) == {"."}:
        raise ValueError("order_id cannot consist only of dots")
    return value


def _order_id(value: object) -> object:
    return validate_order_id(value) if isinstance(value, str) else value


def _blank_to_none(value: object) -> object:
    # Only blank strings are "absent"; an id with spaces around it is refused like any other malformed id.
    if isinstance(value, str) and _BLANK.fullmatch(value):
        return None
    return value


@dataclass(frozen=True)
class SchemaExtra:
    """Adds keywords to a type's JSON Schema, for a rule no pydantic constraint can state (an `anyOf` of length
    tiers, an `enum` taken from the registry). The validator that enforces the rule sits next to it."""

    keywords: dict[str, Any]

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core)
        schema.update(self.keywords)
        return schema

    def __hash__(self) -> int:  # pydantic hashes metadata; the keywords are a dict
        return id(self)


def whole_number(low: int, high: int, hint: str = "") -> BeforeValidator:
    """Whole numbers from `low` to `high`, with a message an agent can act on (pydantic's own says "greater than or
    equal to 1"). Booleans, strings and fractions are refused. A JSON number with a zero fraction (150000.0) is the
    integer it equals: JSON Schema's "integer" admits it, so the code does too; amounts stay whole rupiah."""

    def check(value: object) -> object:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise PydanticCustomError(
                "whole_number",
                "must be a whole number from {low} to {high}{hint}",
                {"low": low, "high": high, "hint": hint},
            )
        return value

    return BeforeValidator(check)


def matching(pattern: str, error_type: str, message: str) -> BeforeValidator:
    """Checks a string against `pattern` (the same one its StringConstraints put in the schema) first, so that a
    refusal carries `message` instead of pydantic's "String should match pattern '…'"."""
    compiled = re.compile(pattern)

    def check(value: object) -> object:
        if isinstance(value, str) and not compiled.fullmatch(value):
            raise PydanticCustomError(error_type, message)
        return value

    return BeforeValidator(check)


OrderId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=ORDER_ID_MAX_LENGTH, pattern=ORDER_ID_PATTERN),
    BeforeValidator(_order_id),
]


@dataclass(frozen=True)
class _BlankIsAbsent:
    """The schema of an optional order id admits a blank string too: `_blank_to_none` turns it into None."""

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core)
        blank = {"type": "string", "pattern": BLANK_PATTERN, "description": "Blank: no order id"}
        schema["anyOf"] = [*schema.get("anyOf", []), blank]
        return schema


OptionalOrderId = Annotated[OrderId | None, BeforeValidator(_blank_to_none), _BlankIsAbsent()]

# Conversation ids come from the platform: printable, no whitespace or control characters.
ID_PATTERN = f"^{_ID_CHARACTER}+$"
ConversationId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=ID_PATTERN)]
# The id of the customer message the agent is answering (X-Customer-Message-Id), same alphabet.
CustomerMessageId = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=ID_PATTERN)]
TenantId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]

# A channel name, case-insensitive (stored lower-case); whitespace around it is ignored. A platform header on every
# agent route, and the payment link's delivery (a WhatsApp button on "whatsapp").
CHANNEL_PATTERN = f"^[{WHITESPACE}]*[A-Za-z][A-Za-z0-9_-]{{0,31}}[{WHITESPACE}]*$"
_CHANNEL = re.compile(CHANNEL_PATTERN)


def _channel(value: object) -> object:
    if not isinstance(value, str):
        return value
    if not _CHANNEL.fullmatch(value):
        raise PydanticCustomError(
            "channel_type_format", "must be a channel name such as 'whatsapp' or 'web_chat' (a-z, 0-9, _ or -)"
        )
    return value.strip().lower()


ChannelType = Annotated[
    str,
    StringConstraints(pattern=CHANNEL_PATTERN),
    BeforeValidator(_channel),
    Field(description="'whatsapp' gets a WhatsApp cta_url message; any other channel a text with the link"),
]

Locale = Literal["en", "id"]
Environment = Literal["sandbox", "production"]
Role = Literal["admin", "spv", "agent", "ai_agent"]


# Records here are NamedTuples, not frozen dataclasses: as immutable, and a tenth of the cost to define during a
# cold start (Python 3.11 dataclasses exec every generated method; docs/decisions.md D30).
class Caller(NamedTuple):
    """Who is calling, from the verified JWT only (never from a body, a path or the model)."""

    cid: str
    role: str
    plan: str


class DeferredModel(BaseModel):
    """The base of every model here: built on first use, not at import (docs/decisions.md D30). A function imports
    the models of every action through the registry but validates with a few; the rest are never built in it."""

    model_config = ConfigDict(defer_build=True)
