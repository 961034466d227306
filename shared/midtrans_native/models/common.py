"""Field types shared by requests and records. Validation here is what keeps hostile input away from Midtrans."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, StringConstraints

# Midtrans: order_id is String(50); letters, digits and the symbols - _ ~ . only (docs/midtrans-behaviour.md §9).
_ORDER_ID = re.compile(r"[A-Za-z0-9\-_~.]{1,50}")


def validate_order_id(value: str) -> str:
    if not _ORDER_ID.fullmatch(value):
        raise ValueError("order_id must be 1 to 50 characters: letters, digits, '-', '_', '~' or '.'")
    # "." and ".." match Midtrans' alphabet but would walk the URL path (/v2/../status).
    if set(value) == {"."}:
        raise ValueError("order_id cannot consist only of dots")
    return value


def _blank_to_none(value: object) -> object:
    # Agents send "" (or padding) when the customer gave no order id: that is "absent", not invalid.
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


OrderId = Annotated[str, AfterValidator(validate_order_id)]
OptionalOrderId = Annotated[OrderId | None, BeforeValidator(_blank_to_none)]

# Conversation ids come from the platform: printable, no whitespace or control characters.
ConversationId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[^\s\x00-\x1f\x7f]+$")]
# The id of the customer message the agent is answering (X-Customer-Message-Id), same alphabet.
CustomerMessageId = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[^\s\x00-\x1f\x7f]+$")]
TenantId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]

Locale = Literal["en", "id"]
Environment = Literal["sandbox", "production"]
Role = Literal["admin", "spv", "agent", "ai_agent"]


@dataclass(frozen=True)
class Caller:
    """Who is calling, from the verified JWT only (never from a body, a path or the model)."""

    cid: str
    role: str
    plan: str
