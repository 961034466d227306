"""`/__simulator/...`: the control API (no auth, never logged, never faulted).

The same operations as the Python API, for tests that drive the stack over HTTP and for curl.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from midtrans_local.simulator import control_lifecycle
from midtrans_local.simulator.auth import SANDBOX_SERVER_KEY
from midtrans_local.simulator.bisnap_registry import make_merchant
from midtrans_local.simulator.replies import Reply, json_reply
from midtrans_local.simulator.scenarios import SCENARIO_ORDERS
from midtrans_local.simulator.seed import BISNAP_SEEDED_ORDERS, SCENARIO_SEEDED_ORDERS, SEEDED_ORDERS
from midtrans_local.simulator.state import SimulatorState

PREFIX = "/__simulator"
# Listed by the index (GET /__simulator/) so curl users find them.
ROUTES = (
    "GET /__simulator/",
    "POST /__simulator/reset",
    "GET|POST|DELETE /__simulator/faults",
    "GET|DELETE /__simulator/calls",
    "GET /__simulator/transactions/{order_id or transaction_id}",
    "GET /__simulator/payment-links/{order_id}",
    "GET|POST /__simulator/bisnap/merchants",
    "POST /__simulator/bisnap/token-ttl",
    "POST /__simulator/bisnap/revoke-tokens",
    "GET /__simulator/bisnap/token-requests",
    "GET /__simulator/bisnap/tokens-issued",
    *control_lifecycle.ROUTES,
)


def handle(state: SimulatorState, method: str, raw_path: str, raw_body: bytes) -> Reply:
    route = raw_path[len(PREFIX) :].rstrip("/") or "/"
    if route == "/" and method == "GET":
        index = {
            "seeded_orders": dict(SEEDED_ORDERS),
            "bisnap_seeded_orders": dict(BISNAP_SEEDED_ORDERS),
            "scenario_seeded_orders": dict(SCENARIO_SEEDED_ORDERS),
            "scenario_orders": dict(SCENARIO_ORDERS),
            "base_url": state.base_url,
            "routes": list(ROUTES),
        }
        return json_reply(HTTPStatus.OK, index)
    if route == "/reset" and method == "POST":
        state.reset()
        return json_reply(HTTPStatus.OK, {"reset": True})
    if route == "/faults":
        return _faults(state, method, raw_body)
    lifecycle_reply = control_lifecycle.handle(state, method, route, raw_body)
    if lifecycle_reply is not None:
        return lifecycle_reply
    if route.startswith("/bisnap/"):
        return _bisnap(state, method, route[len("/bisnap") :], raw_body)
    if route == "/calls" and method == "GET":
        return json_reply(HTTPStatus.OK, {"calls": state.calls()})
    if route == "/calls" and method == "DELETE":
        with state.lock:
            cleared = len(state.call_log)
            state.call_log.clear()
        return json_reply(HTTPStatus.OK, {"cleared": cleared})
    for collection, lookup in (("/transactions/", state.transaction), ("/payment-links/", state.payment_link)):
        if route.startswith(collection) and method == "GET":
            found = lookup(unquote(route[len(collection) :]))
            if found is None:
                return json_reply(HTTPStatus.NOT_FOUND, {"error": "not found"})
            return json_reply(HTTPStatus.OK, found)
    return json_reply(HTTPStatus.NOT_FOUND, {"error": f"no control route {method} {raw_path}"})


def _faults(state: SimulatorState, method: str, raw_body: bytes) -> Reply:
    if method == "GET":
        with state.lock:
            return json_reply(HTTPStatus.OK, {"faults": state.faults.describe()})
    if method == "DELETE":
        with state.lock:
            return json_reply(HTTPStatus.OK, {"cleared": state.faults.clear()})
    if method != "POST":
        return json_reply(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "use GET, POST or DELETE"})
    fields = _json_object(raw_body)
    if fields is None:
        return json_reply(HTTPStatus.BAD_REQUEST, {"error": "body must be a JSON object"})
    try:
        with state.lock:
            fault = state.faults.add(fields)
            return json_reply(HTTPStatus.CREATED, fault.describe())
    except ValueError as exc:
        return json_reply(HTTPStatus.BAD_REQUEST, {"error": str(exc)})


def _bisnap(state: SimulatorState, method: str, route: str, raw_body: bytes) -> Reply:
    """The BI-SNAP part of the Python API: merchants, token TTL, revocation, token counters."""
    registry = state.bisnap
    if route in {"/token-requests", "/tokens-issued"} and method == "GET":
        with state.lock:
            counter = registry.token_requests if route == "/token-requests" else registry.tokens_issued
            return json_reply(HTTPStatus.OK, {"total": counter.total(), "by_client": dict(counter)})
    if route == "/merchants" and method == "GET":
        with state.lock:
            return json_reply(HTTPStatus.OK, {"merchants": [m.describe() for m in registry.merchants()]})
    if method != "POST" or route not in {"/merchants", "/token-ttl", "/revoke-tokens"}:
        return json_reply(HTTPStatus.NOT_FOUND, {"error": f"no control route {method} {PREFIX}/bisnap{route}"})
    # An empty body is allowed for revoke-tokens, where every field is optional.
    fields = _json_object(raw_body or b"{}")
    if fields is None:
        return json_reply(HTTPStatus.BAD_REQUEST, {"error": "body must be a JSON object"})
    try:
        if route == "/merchants":
            merchant = make_merchant({"server_key": SANDBOX_SERVER_KEY, **fields}, state.server_keys)
            with state.lock:
                registry.register(merchant)
            return json_reply(HTTPStatus.CREATED, merchant.describe())
        if route == "/token-ttl":
            seconds: Any = fields.get("seconds")  # set_token_ttl refuses anything but a positive int
            with state.lock:
                registry.set_token_ttl(seconds)
            return json_reply(HTTPStatus.OK, {"seconds": registry.token_ttl})
        client_id = fields.get("client_id")
        if client_id is not None and not isinstance(client_id, str):
            raise ValueError("client_id must be a string or null")
        with state.lock:
            return json_reply(HTTPStatus.OK, {"revoked": registry.revoke(client_id)})
    except ValueError as exc:
        return json_reply(HTTPStatus.BAD_REQUEST, {"error": str(exc)})


def _json_object(raw_body: bytes) -> dict[str, Any] | None:
    try:
        fields: Any = json.loads(raw_body)
    except ValueError:
        return None
    return fields if isinstance(fields, dict) else None
