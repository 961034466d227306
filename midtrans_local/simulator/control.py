"""`/__simulator/...`: the control API (no auth, never logged, never faulted).

The same operations as the Python API, for tests that drive the stack over HTTP and for curl.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from midtrans_local.simulator.replies import Reply, json_reply
from midtrans_local.simulator.seed import SEEDED_ORDERS
from midtrans_local.simulator.state import SimulatorState

PREFIX = "/__simulator"


def handle(state: SimulatorState, method: str, raw_path: str, raw_body: bytes) -> Reply:
    route = raw_path[len(PREFIX) :].rstrip("/") or "/"
    if route == "/" and method == "GET":
        return json_reply(HTTPStatus.OK, {"seeded_orders": dict(SEEDED_ORDERS), "base_url": state.base_url})
    if route == "/reset" and method == "POST":
        state.reset()
        return json_reply(HTTPStatus.OK, {"reset": True})
    if route == "/faults":
        return _faults(state, method, raw_body)
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
    try:
        fields: Any = json.loads(raw_body)
    except ValueError:
        return json_reply(HTTPStatus.BAD_REQUEST, {"error": "body must be a JSON object"})
    if not isinstance(fields, dict):
        return json_reply(HTTPStatus.BAD_REQUEST, {"error": "body must be a JSON object"})
    try:
        with state.lock:
            fault = state.faults.add(fields)
            return json_reply(HTTPStatus.CREATED, fault.describe())
    except ValueError as exc:
        return json_reply(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
