"""Control routes for notifications and payment events: the HTTP face of notification_api.py.

Unknown order or link → 404; a state that forbids the change (or no notification URL set) → 409; a bad
argument → 400; a wait that runs out → 504. Bodies are JSON objects; every field is optional unless noted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from midtrans_local.simulator import lifecycle, notifications
from midtrans_local.simulator.auth import SANDBOX_SERVER_KEY, environment_of
from midtrans_local.simulator.notification_api import set_notification_url
from midtrans_local.simulator.replies import Reply, json_reply
from midtrans_local.simulator.state import SimulatorState

ROUTES = (
    'PUT /__simulator/notification-url {"url": "http://..." | null, "server_key": sandbox key by default}',
    'PUT /__simulator/notifications/retry-delays {"delays": [seconds, ...]} (at most 5)',
    "GET /__simulator/notifications (every delivery attempt)",
    "DELETE /__simulator/notifications (empty the attempt log)",
    'POST /__simulator/notifications/wait {"count": n, "timeout": 10} (200 once n answered 2xx, else 504)',
    'POST /__simulator/notifications/drain {"timeout": 10} (200 once nothing is queued, else 504)',
    'POST /__simulator/payment-links/{order_id}/pay {"payment_type": "gopay", "suffixed": true, "amount": null}',
    "POST /__simulator/orders/{order_id}/settle",
    "POST /__simulator/orders/{order_id}/expire",
    "POST /__simulator/orders/{order_id}/deny",
    "POST /__simulator/orders/{order_id}/fail",
    "POST /__simulator/orders/{order_id}/confirm-refund",
    'POST /__simulator/orders/{order_id}/notify {"transaction_status": null}',
    'POST /__simulator/orders/{order_id}/bisnap-notify {"path": "/v1.0/debit/notify", "client_id": null}',
    "GET /__simulator/bisnap/notification-public-key",
)
_TRANSITIONS: dict[str, Callable[[SimulatorState, str], dict[str, Any]]] = {
    "settle": lifecycle.settle,
    "expire": lifecycle.expire,
    "deny": lifecycle.deny,
    "fail": lifecycle.fail,
    "confirm-refund": lifecycle.confirm_refund,
}
_MAX_WAIT = 300.0  # seconds a control request may hold its handler thread


def handle(state: SimulatorState, method: str, route: str, raw_body: bytes) -> Reply | None:
    """The reply for one of ROUTES, or None when `route` (the path after the prefix) is not one of them."""
    if route == "/bisnap/notification-public-key" and method == "GET":
        return json_reply(HTTPStatus.OK, {"public_key_pem": notifications.midtrans_public_key_pem()})
    is_order = route.startswith("/orders/") and route.count("/") == 3
    is_pay = route.startswith("/payment-links/") and route.endswith("/pay") and route.count("/") == 3
    if not (route in {"/notification-url", "/notifications/retry-delays"} or is_order or is_pay):
        if route.startswith("/notifications"):
            return _log_routes(state, method, route, raw_body)
        return None
    if method not in {"POST", "PUT"}:
        return json_reply(HTTPStatus.METHOD_NOT_ALLOWED, {"error": f"{method} is not allowed here"})
    fields = _json_object(raw_body)
    if fields is None:
        return json_reply(HTTPStatus.BAD_REQUEST, {"error": "body must be a JSON object"})
    try:
        return _change(state, route, fields, is_pay)
    except lifecycle.UnknownOrder as exc:
        return json_reply(HTTPStatus.NOT_FOUND, {"error": str(exc)})
    except lifecycle.NotAllowed as exc:  # before ValueError, which it is
        return json_reply(HTTPStatus.CONFLICT, {"error": str(exc)})
    except ValueError as exc:
        return json_reply(HTTPStatus.BAD_REQUEST, {"error": str(exc)})


def _change(state: SimulatorState, route: str, fields: dict[str, Any], is_pay: bool) -> Reply:
    if route == "/notification-url":
        server_key = fields.get("server_key", SANDBOX_SERVER_KEY)
        if not isinstance(server_key, str):
            raise ValueError("server_key must be a string")
        if "url" not in fields:
            raise ValueError("url is required (null clears it)")
        set_notification_url(state, fields["url"], server_key)
        return json_reply(HTTPStatus.OK, {"environment": environment_of(server_key), "url": fields["url"]})
    if route == "/notifications/retry-delays":
        delays = fields.get("delays")
        if not isinstance(delays, list):
            raise ValueError("delays must be an array of seconds")
        return json_reply(HTTPStatus.OK, {"delays": list(state.notifier.set_retry_delays(delays))})
    _, _, ident, action = route.split("/")
    ident = unquote(ident)
    if is_pay:
        payment_type = _optional_str(fields, "payment_type") or "gopay"
        suffixed = fields.get("suffixed", True)
        if not isinstance(suffixed, bool):
            raise ValueError("suffixed must be true or false")
        amount: Any = fields.get("amount")  # pay_link refuses anything but a positive int
        return json_reply(HTTPStatus.CREATED, lifecycle.pay_link(state, ident, payment_type, suffixed, amount))
    if action in _TRANSITIONS:
        return json_reply(HTTPStatus.OK, _TRANSITIONS[action](state, ident))
    if action == "notify":
        status = _optional_str(fields, "transaction_status")
        return json_reply(HTTPStatus.ACCEPTED, {"queued": lifecycle.notify(state, ident, status)})
    if action == "bisnap-notify":
        path = _optional_str(fields, "path") or "/v1.0/debit/notify"
        client_id = _optional_str(fields, "client_id")
        return json_reply(HTTPStatus.ACCEPTED, {"queued": lifecycle.bisnap_notify(state, ident, path, client_id)})
    return json_reply(HTTPStatus.NOT_FOUND, {"error": f"no order action {action!r}"})


def _log_routes(state: SimulatorState, method: str, route: str, raw_body: bytes) -> Reply | None:
    notifier = state.notifier
    if route == "/notifications" and method == "GET":
        return json_reply(HTTPStatus.OK, {"notifications": notifier.records()})
    if route == "/notifications" and method == "DELETE":
        return json_reply(HTTPStatus.OK, {"cleared": notifier.clear_records()})
    if route not in {"/notifications/wait", "/notifications/drain"}:
        return None
    if method != "POST":
        return json_reply(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "use POST"})
    fields = _json_object(raw_body)
    if fields is None:
        return json_reply(HTTPStatus.BAD_REQUEST, {"error": "body must be a JSON object"})
    timeout, count = fields.get("timeout", 10), fields.get("count")
    if not _number(timeout, 0, _MAX_WAIT):
        return json_reply(HTTPStatus.BAD_REQUEST, {"error": f"timeout must be a number of seconds up to {_MAX_WAIT}"})
    try:
        if route == "/notifications/drain":
            return json_reply(HTTPStatus.OK, {"notifications": notifier.drain(float(timeout))})
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            return json_reply(HTTPStatus.BAD_REQUEST, {"error": "count must be a non-negative integer"})
        return json_reply(HTTPStatus.OK, {"notifications": notifier.wait_for(count, float(timeout))})
    except TimeoutError as exc:
        return json_reply(HTTPStatus.GATEWAY_TIMEOUT, {"error": str(exc)})


def _optional_str(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} must be a string or null")
    return value


def _number(value: Any, low: float, high: float) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and low <= value <= high


def _json_object(raw_body: bytes) -> dict[str, Any] | None:
    try:
        fields: Any = json.loads(raw_body or b"{}")
    except ValueError:
        return None
    return fields if isinstance(fields, dict) else None
