"""Payment Link API (docs/midtrans-behaviour.md §8): real HTTP statuses and `error_messages`, no status_code."""

from __future__ import annotations

import copy
import json
import re
import uuid
from http import HTTPStatus
from typing import Any

from midtrans_local.simulator.model import MERCHANT_ID, format_time, wib_now
from midtrans_local.simulator.replies import Reply, html_page, json_reply, link_errors
from midtrans_local.simulator.state import PaymentLink, SimulatorState

_ORDER_ID = re.compile(r"^[A-Za-z0-9\-_~.]+$")
_LINK_ID = re.compile(r"^[a-z0-9-]+$")
PAYMENT_METHODS = (
    "credit_card", "echannel", "permata_va", "bca_va", "bni_va", "bri_va", "cimb_va", "danamon_va",
    "bsi_va", "gopay", "shopeepay", "other_qris", "alfamart", "indomaret", "akulaku", "kredivo",
)  # fmt: skip
_EXPIRY_UNITS = frozenset({"day", "days", "hour", "hours", "minute", "minutes"})
# The OpenAPI block on the create page gives usage_limit a default of 2 (UNVERIFIED upstream).
DEFAULT_USAGE_LIMIT = 2
NOT_FOUND_MESSAGE = "Payment link not found"


def create(state: SimulatorState, raw_body: bytes, server_key: str) -> Reply:
    """Store a new link; it belongs to `server_key` (where its purchases' notifications go)."""
    try:
        payload = json.loads(raw_body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return link_errors(HTTPStatus.BAD_REQUEST, "Invalid JSON data provided.")
    problems = validate(payload)
    if problems:
        return link_errors(HTTPStatus.BAD_REQUEST, *problems)
    details = payload["transaction_details"]
    order_id: str = details["order_id"]
    with state.lock:
        if order_id in state.links:
            return link_errors(HTTPStatus.CONFLICT, f"The Order ID '{order_id}' has been taken")
        link_id: str = details.get("payment_link_id") or str(uuid.uuid4())
        if link_id in state.link_ids:
            return link_errors(HTTPStatus.BAD_REQUEST, f"This Payment Link ID '{link_id}' has been taken")
        definition = _definition(payload, state.next_link_number, link_id, state.base_url)
        state.next_link_number += 1
        state.links[order_id] = PaymentLink(definition, server_key=server_key)
        state.link_ids.add(link_id)
        return json_reply(HTTPStatus.OK, {"order_id": order_id, "payment_url": definition["payment_link_url"]})


def get(state: SimulatorState, order_id: str) -> Reply:
    with state.lock:
        link = state.links.get(order_id)
        if link is None or link.deleted:
            # Midtrans documents the 404 but not its body; this mirrors the API's other errors.
            return link_errors(HTTPStatus.NOT_FOUND, NOT_FOUND_MESSAGE)
        return json_reply(HTTPStatus.OK, state.link_body(link))


def delete(state: SimulatorState, order_id: str) -> Reply:
    with state.lock:
        link = state.links.get(order_id)
        if link is None or link.deleted:
            return link_errors(HTTPStatus.NOT_FOUND, NOT_FOUND_MESSAGE)
        link.deleted = True
        return json_reply(HTTPStatus.OK, {"message": f"Payment Link with Order ID {order_id} deleted"})


def hosted_page(state: SimulatorState, link_id: str) -> Reply:
    """The page a payment_url opens: enough for a person to see the link works."""
    with state.lock:
        link = next(
            (x for x in state.links.values() if x.definition["payment_link_id"] == link_id and not x.deleted),
            None,
        )
        if link is None:
            return html_page(HTTPStatus.NOT_FOUND)
        order_id = link.definition["order_id"]
        amount = link.definition["gross_amount"]
    text = f"<p>Order {order_id}: Rp {amount}</p>\r\n" if amount is not None else f"<p>Order {order_id}</p>"
    return html_page(HTTPStatus.OK, title="Midtrans simulator payment page", text=text)


def validate(payload: dict[str, Any]) -> list[str]:
    """Every problem with a create request, as `error_messages` entries."""
    problems: list[str] = []
    details = payload.get("transaction_details")
    if not isinstance(details, dict):
        return ["transaction_details is required"]
    order_id = details.get("order_id")
    if not isinstance(order_id, str) or not order_id:
        problems.append("transaction_details.order_id is required")
    elif len(order_id) > 50:
        problems.append("transaction_details.order_id must not be longer than 50 characters")
    elif not _ORDER_ID.match(order_id):
        problems.append("transaction_details.order_id must only contain alphanumeric characters and - _ ~ .")
    link_id = details.get("payment_link_id")
    if link_id is not None and not (isinstance(link_id, str) and len(link_id) <= 50 and _LINK_ID.match(link_id)):
        problems.append("payment_link_id must only contain alphanumeric characters [a-z, 0-9] and hyphens [-]")
    link_type = payload.get("payment_link_type", "FIXED_AMOUNT")
    if link_type not in {"FIXED_AMOUNT", "DYNAMIC_AMOUNT"}:
        problems.append("payment_link_type must be FIXED_AMOUNT or DYNAMIC_AMOUNT")
    items = payload.get("item_details")
    item_total = _item_problems(items, problems)
    if link_type == "FIXED_AMOUNT":
        gross = details.get("gross_amount")
        if gross is None:
            problems.append("transaction_details.gross_amount is required")
        elif isinstance(gross, bool) or not isinstance(gross, int) or gross <= 0:
            problems.append("transaction_details.gross_amount must be a positive integer")
        elif item_total is not None and item_total != gross:
            problems.append("transaction_details.gross_amount must be equal to the sum of item_details")
    usage_limit = payload.get("usage_limit")
    if usage_limit is not None and not _int_between(usage_limit, 1, 1_000_000):
        problems.append("usage_limit must be an integer between 1 and 1000000")
    enabled = payload.get("enabled_payments")
    if enabled is not None and (
        not isinstance(enabled, list) or any(method not in PAYMENT_METHODS for method in enabled)
    ):
        problems.append(f"enabled_payments must only contain: {', '.join(PAYMENT_METHODS)}")
    expiry = payload.get("expiry")
    if expiry is not None and not (
        isinstance(expiry, dict)
        and _int_between(expiry.get("duration"), 1, None)
        and expiry.get("unit") in _EXPIRY_UNITS
    ):
        problems.append("expiry.duration must be a positive integer and expiry.unit one of day, hour, minute")
    customer = payload.get("customer_details")
    if customer is not None and not isinstance(customer, dict):
        problems.append("customer_details must be an object")
    return problems


def _item_problems(items: Any, problems: list[str]) -> int | None:
    """Append item problems; return the sum of price * quantity when items were sent and are valid."""
    if items is None:
        return None
    if not isinstance(items, list):
        problems.append("item_details must be an array")
        return None
    total, valid = 0, True
    for index, item in enumerate(items):
        prefix = f"item_details[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{prefix} must be an object")
            valid = False
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name:
            problems.append(f"{prefix}.name is required")
        elif len(name) > 50:
            problems.append(f"{prefix}.name must not be longer than 50 characters")
        price: Any = item.get("price")
        quantity: Any = item.get("quantity")
        # Prices may be negative (discount lines); quantities may not.
        if isinstance(price, bool) or not isinstance(price, int):
            problems.append(f"{prefix}.price must be an integer")
            valid = False
        if not _int_between(quantity, 1, None):
            problems.append(f"{prefix}.quantity must be a positive integer")
            valid = False
        if valid:
            total += int(price) * int(quantity)
    return total if valid else None


def _int_between(value: Any, low: int, high: int | None) -> bool:
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return value >= low and (high is None or value <= high)


def _definition(payload: dict[str, Any], number: int, link_id: str, base_url: str) -> dict[str, Any]:
    """What `GET /v1/payment-links/{order_id}` returns for a new link."""
    now = wib_now()
    stamp = format_time(now)
    details = payload["transaction_details"]
    link_type = payload.get("payment_link_type", "FIXED_AMOUNT")
    expiry = payload.get("expiry") or {}
    card = payload.get("credit_card") or {}
    items = [
        {**item, "id": item.get("id") or f"item-{index + 1}", "created_at": stamp, "updated_at": stamp}
        for index, item in enumerate(payload.get("item_details") or [])
    ]
    definition: dict[str, Any] = {
        "id": number,
        "payment_link_url": f"{base_url}/payment-links/{link_id}",
        "order_id": details["order_id"],
        "payment_link_type": link_type,
        "merchant_id": MERCHANT_ID,
        "payment_link_id": link_id,
        "title": payload.get("title"),
        "enabled_payments": list(payload.get("enabled_payments") or PAYMENT_METHODS),
        "usage_limit": payload.get("usage_limit", DEFAULT_USAGE_LIMIT),
        "usage": 0,
        "gross_amount": details.get("gross_amount") if link_type == "FIXED_AMOUNT" else None,
        "credit_card_3d_secure": card.get("secure", True),
        "whitelist_bins": card.get("whitelist_bins", []),
        "expiry_start": expiry.get("start_time") or f"{stamp} +0700",
        "expiry_duration": expiry.get("duration", 1),
        "expiry_unit": expiry.get("unit", "days"),
        "item_details": items,
        "customer_details": payload.get("customer_details") or {},
        "customer_required": payload.get("customer_required", False),
        "purchases": [],
        "created_at": stamp,
        "updated_at": stamp,
    }
    for extra in ("custom_field1", "custom_field2", "custom_field3", "callbacks", "dynamic_amount"):
        if extra in payload:
            definition[extra] = copy.deepcopy(payload[extra])
    return definition
