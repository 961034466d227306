"""Request dispatch: control API, fault injection, auth, Midtrans routes (Core, Payment Link, BI-SNAP), call log."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from midtrans_local.simulator import bisnap, control, core_api, payment_links
from midtrans_local.simulator.auth import environment_of, match_server_key
from midtrans_local.simulator.faults import Fault
from midtrans_local.simulator.replies import Reply, core_unauthorized, link_unauthorized, spring_error
from midtrans_local.simulator.scenarios import scenario_fault
from midtrans_local.simulator.state import SimulatorState

# Matched against the *decoded* path, as Midtrans' gateway does: an order_id holding an encoded "/"
# becomes extra segments, matches nothing and gets the framework's 404 (docs/midtrans-behaviour.md §4).
_CORE = re.compile(r"^/v2/([^/]+)/(status|cancel|refund|expire)$")
_LINK = re.compile(r"^/v1/payment-links/([^/]+)$")
_HOSTED = re.compile(r"^/payment-links/([^/]+)$")
_CORE_METHODS = {"status": "GET", "cancel": "POST", "refund": "POST", "expire": "POST"}
_FAULTED = frozenset({"core", "link", "bisnap"})


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # the raw request target, query string included
    headers: Mapping[str, str]  # names in lower case
    body: bytes

    @property
    def raw_path(self) -> str:
        return self.target.split("?", 1)[0]


@dataclass(frozen=True)
class _Route:
    family: str  # "core", "link", "bisnap" (faults apply), "page" or "none"
    handler: Callable[[SimulatorState, str], Reply] | None
    order_id: str | None
    error: int = 0  # the Spring-style HTTP status when nothing handles the path
    path: str = ""  # the raw path the Spring-style body echoes
    operation: str | None = None  # the name faults match and the call log shows
    service: str = "00"  # BI-SNAP service code, for the responseCode of an injected error
    # Extra call-log fields (BI-SNAP: identifiers, and "authorized" once its handler has decided).
    log: dict[str, Any] = field(default_factory=dict)


class App:
    def __init__(self, state: SimulatorState) -> None:
        self.state = state
        self._counting = threading.Lock()
        self._in_flight = 0

    def handle(self, request: Request) -> Reply:
        if request.raw_path == control.PREFIX or request.raw_path.startswith(control.PREFIX + "/"):
            return control.handle(self.state, request.method, request.raw_path, request.body)
        # How many API requests are being answered as this one starts (itself included): the call log shows it, so
        # a test can tell calls that ran side by side from calls that ran one after another without timing them.
        with self._counting:
            self._in_flight += 1
            in_flight = self._in_flight
        try:
            return self._serve(request, in_flight)
        finally:
            with self._counting:
                self._in_flight -= 1

    def _serve(self, request: Request, in_flight: int) -> Reply:
        route = self._route(request)
        server_key = match_server_key(request.headers.get("authorization"), self.state.server_keys)
        fault = None
        if route.family in _FAULTED:
            with self.state.lock:
                fault = self.state.faults.take(request.method, route.order_id, route.operation)
            fault = fault or scenario_fault(route.order_id)
        if fault is not None and fault.delay_seconds > 0:
            time.sleep(fault.delay_seconds)  # outside the lock: other requests keep flowing
        if fault is not None and _short_circuits(fault):
            reply = fault.render(route.family, None, route.service)
        else:
            reply = self._answer(route, server_key)
            if fault is not None and fault.kind != "latency":
                reply = fault.render(route.family, reply, route.service)
        call = {
            "method": request.method,
            "path": request.raw_path,
            "operation": route.operation,
            "order_id": route.order_id,
            "authorized": server_key is not None,
            "environment": environment_of(server_key) if server_key else None,
            "status": 0 if reply.drop else int(reply.status),
            "fault": fault.kind if fault is not None else None,
            "request_body": _json_or_none(request.body),
            "in_flight": in_flight,
        }
        # BI-SNAP has no Basic key: its route says who was identified and whether the checks passed.
        call.update(route.log)
        self.state.record_call(call)
        return reply

    def _answer(self, route: _Route, server_key: str | None) -> Reply:
        if route.handler is None:
            return spring_error(route.error, route.path)
        if server_key is None and route.family == "core":
            return core_unauthorized()
        if server_key is None and route.family == "link":
            return link_unauthorized()
        return route.handler(self.state, server_key or "")

    def _route(self, request: Request) -> _Route:
        path, method, body = unquote(request.raw_path), request.method, request.body
        state = self.state
        if match := _CORE.match(path):
            ident, action = match.groups()
            if method != _CORE_METHODS[action]:
                return _unrouted(HTTPStatus.METHOD_NOT_ALLOWED, request)
            order_id = state.order_id_of(ident)
            if action == "status":
                return _Route("core", lambda s, key: core_api.status(s, ident, key), order_id, operation=action)
            if action == "cancel":
                return _Route("core", lambda s, _: core_api.cancel(s, ident), order_id, operation=action)
            if action == "expire":
                return _Route("core", lambda s, _: core_api.expire(s, ident), order_id, operation=action)
            return _Route("core", lambda s, _: core_api.refund(s, ident, body), order_id, operation=action)
        if path == "/v1/payment-links":
            if method != "POST":
                return _unrouted(HTTPStatus.METHOD_NOT_ALLOWED, request)
            named = _link_order_id(body)
            return _Route("link", lambda s, key: payment_links.create(s, body, key), named, operation="link_create")
        if match := _LINK.match(path):
            order_id = match.group(1)
            if method == "GET":
                return _Route("link", lambda s, _: payment_links.get(s, order_id), order_id, operation="link_get")
            if method == "DELETE":
                return _Route("link", lambda s, _: payment_links.delete(s, order_id), order_id, operation="link_delete")
            return _unrouted(HTTPStatus.METHOD_NOT_ALLOWED, request)
        if path in bisnap.PATHS:
            if method != "POST":
                return _unrouted(HTTPStatus.METHOD_NOT_ALLOWED, request)
            ready = bisnap.prepare(state, path, request.raw_path, request.headers, body)
            return _Route(
                "bisnap",
                lambda s, _: ready.run(s),
                ready.order_id,
                operation=ready.operation,
                service=ready.service,
                log=ready.log,
            )
        if (match := _HOSTED.match(path)) and method == "GET":
            link_id = match.group(1)
            return _Route("page", lambda s, _: payment_links.hosted_page(s, link_id), None, operation="payment_page")
        return _unrouted(HTTPStatus.NOT_FOUND, request)


def _unrouted(status: int, request: Request) -> _Route:
    # Midtrans API prefixes still go through the fault book: a gateway fault hits any path there.
    family = "core" if request.raw_path.startswith(("/v2/", "/v1/")) else "none"
    if request.raw_path.startswith("/v1/payment-links"):
        family = "link"
    if request.raw_path.startswith("/v1.0/"):
        family = "bisnap"
    return _Route(family, None, None, error=status, path=request.raw_path)


def _short_circuits(fault: Fault) -> bool:
    """True when the fault answers in place of Midtrans, so the request changes nothing."""
    return fault.kind != "latency" and not fault.processed


def _link_order_id(body: bytes) -> str | None:
    payload = _json_or_none(body)
    details = payload.get("transaction_details") if isinstance(payload, dict) else None
    order_id = details.get("order_id") if isinstance(details, dict) else None
    return order_id if isinstance(order_id, str) else None


def _json_or_none(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None
