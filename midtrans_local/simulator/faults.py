"""Injected failures: what can go wrong between a client and Midtrans, on demand.

A fault matches a request by order_id, HTTP method and operation, is used up after `times` matching requests,
and decides what the client sees instead of (or, with `processed`, on top of) the normal answer.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import Any

from midtrans_local.simulator.replies import Reply, core_body, html_page, json_reply, link_errors, snap_reply

FAULT_KINDS = ("latency", "status", "malformed", "html", "drop")
_DEFAULT_STATUS = {"status": 429, "html": 502}
_FIELDS = frozenset(
    {"kind", "status", "order_id", "times", "retry_after", "delay_seconds", "method", "processed", "operation"}
)
# What a fault's `operation` can name. One name per kind of call, not per path: "bisnap_refund"
# covers both debit and QRIS refund (add order_id to aim at one transaction).
OPERATIONS = (
    "status",
    "cancel",
    "refund",
    "expire",
    "link_create",
    "link_get",
    "link_delete",
    "bisnap_token",
    "bisnap_status",
    "bisnap_cancel",
    "bisnap_refund",
)
# Body texts for injected HTTP errors, from the Midtrans status-code tables (docs/midtrans-behaviour.md §4).
_MESSAGES = {
    400: "One or more parameters in the payload is invalid.",
    401: "Transaction cannot be authorized with the current client/server key.",
    404: "The requested resource is not found",
    405: "HTTP method is not allowed",
    429: "API rate limit exceeded",
    500: "Sorry, an internal server error has occurred. Please try again later.",
    502: "Internal server error: bank connection problem",
    503: "Bank/partner is experiencing connection issue. Please retry later.",
    504: "Internal server error: Midtrans Fraud Detection System is unavailable",
}
# A JSON document cut off mid-string, as a truncated upstream answer looks.
_TRUNCATED = b'{"status_code": "200", "status_message": "Success, transac'
_SNAP_TRUNCATED = b'{"responseCode": "2000000", "responseMessage": "Request has been proc'
# BI-SNAP words for injected errors; other statuses use the HTTP reason phrase.
_SNAP_MESSAGES = {500: "Internal Server Error", 504: "Timeout"}


@dataclass
class Fault:
    id: int
    kind: str
    status: int | None = None
    order_id: str | None = None
    # Matching requests left before the fault is used up; None = forever.
    times: int | None = None
    retry_after: int | str | None = None
    delay_seconds: float = 0.0
    method: str | None = None
    # True: Midtrans processes the request (state changes), then the client gets the fault instead
    # of the answer, the "did my refund happen?" case. False: the request never reaches Midtrans.
    processed: bool = False
    # None matches every operation; otherwise one of OPERATIONS, e.g. "bisnap_token".
    operation: str | None = None

    def matches(self, method: str, order_id: str | None, operation: str | None = None) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        if self.operation is not None and self.operation != operation:
            return False
        return self.order_id is None or self.order_id == order_id

    def describe(self) -> dict[str, Any]:
        return asdict(self)

    def render(self, family: str, answer: Reply | None, service: str = "00") -> Reply:
        """What the client receives. `answer` is the real answer when the request was processed.

        `service` is the BI-SNAP service code of the call (family "bisnap"), for its responseCode.
        """
        if self.kind == "drop":
            return Reply(0, b"", drop=True)
        if self.kind == "malformed":
            # HTTP 200 and a JSON content type, so only parsing the body reveals the problem.
            truncated = _SNAP_TRUNCATED if family == "bisnap" else _TRUNCATED
            body = answer.body[: max(1, len(answer.body) // 2)] if answer is not None else truncated
            return Reply(HTTPStatus.OK, body)
        status = self.status or _DEFAULT_STATUS[self.kind]
        if self.kind == "html":
            return html_page(status)
        return self._status_reply(family, status, service)

    def _status_reply(self, family: str, status: int, service: str) -> Reply:
        message = _MESSAGES.get(status, HTTPStatus(status).phrase)
        if family == "bisnap":
            # responseCode = HTTP status + service code + case; 500 is "500SS01" in every endpoint's table.
            case = "01" if status == 500 else "00"
            reply = snap_reply(f"{status}{service}{case}", _SNAP_MESSAGES.get(status, HTTPStatus(status).phrase))
        elif family == "link":
            reply = link_errors(status, message)
        else:
            reply = json_reply(status, core_body(status, message, id=str(uuid.uuid4())))
        if self.retry_after is not None:
            reply.headers["Retry-After"] = str(self.retry_after)
        return reply


def make_fault(fault_id: int, fields: dict[str, Any]) -> Fault:
    """Validate fault settings (from Python or from JSON); ValueError says what is wrong."""
    unknown = set(fields) - _FIELDS
    if unknown:
        raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
    kind = fields.get("kind")
    if kind not in FAULT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
    status = _optional_int(fields, "status", 100, 599)
    times = _optional_int(fields, "times", 1, None)
    retry_after = fields.get("retry_after")
    if retry_after is not None and not (
        (isinstance(retry_after, int) and not isinstance(retry_after, bool) and retry_after >= 0)
        or (isinstance(retry_after, str) and retry_after.strip())
    ):
        raise ValueError("retry_after must be a non-negative integer (seconds) or an HTTP date string")
    delay = fields.get("delay_seconds") or 0.0
    if isinstance(delay, bool) or not isinstance(delay, int | float) or not math.isfinite(delay) or delay < 0:
        raise ValueError("delay_seconds must be a non-negative number")
    method = fields.get("method")
    if method is not None and (not isinstance(method, str) or not method.strip()):
        raise ValueError("method must be an HTTP method name or null")
    order_id = fields.get("order_id")
    if order_id is not None and not isinstance(order_id, str):
        raise ValueError("order_id must be a string or null")
    processed = fields.get("processed", False)
    if not isinstance(processed, bool):
        raise ValueError("processed must be true or false")
    operation = fields.get("operation")
    if operation is not None and operation not in OPERATIONS:
        raise ValueError(f"operation must be null or one of {', '.join(OPERATIONS)}")
    return Fault(
        id=fault_id,
        kind=kind,
        status=status,
        order_id=order_id,
        times=times,
        retry_after=retry_after,
        delay_seconds=float(delay),
        method=method.strip().upper() if method else None,
        processed=processed,
        operation=operation,
    )


def _optional_int(fields: dict[str, Any], name: str, low: int, high: int | None) -> int | None:
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high and value > high):
        bounds = f"{low}..{high}" if high else f">= {low}"
        raise ValueError(f"{name} must be an integer {bounds} or null")
    return value


class FaultBook:
    """The active faults, oldest first. Not locked itself: the simulator's one lock guards it."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, fields: dict[str, Any]) -> Fault:
        fault = make_fault(self._next_id, fields)
        self._next_id += 1
        self._faults.append(fault)
        return fault

    def clear(self) -> int:
        cleared = len(self._faults)
        self._faults.clear()
        return cleared

    def take(self, method: str, order_id: str | None, operation: str | None = None) -> Fault | None:
        """The oldest fault matching this request, with one use consumed."""
        for fault in self._faults:
            if fault.matches(method, order_id, operation):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                return fault
        return None

    def describe(self) -> list[dict[str, Any]]:
        return [fault.describe() for fault in self._faults]
