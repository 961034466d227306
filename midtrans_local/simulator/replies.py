"""What a route answers, independent of the HTTP server that writes it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

JSON = "application/json"
HTML = "text/html; charset=utf-8"

CORE_UNAUTHORIZED_MESSAGE = "Transaction cannot be authorized with the current client/server key."
LINK_UNAUTHORIZED_MESSAGE = "Access denied due to unauthorized request"
NOT_FOUND_MESSAGE = "Transaction doesn't exist."
CANNOT_MODIFY_MESSAGE = "Merchant cannot modify the status of the transaction"


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)
    # True: close the connection without writing anything (the `drop` fault).
    drop: bool = False

    def json(self) -> Any:
        """The decoded body, for the call log; None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(body).encode(), JSON, dict(headers or {}))


def core_body(status_code: int | str, message: str, **fields: Any) -> dict[str, Any]:
    """A Core API v2 answer: a string status_code plus status_message."""
    return {"status_code": str(status_code), "status_message": message, **fields}


def core_error(status_code: int, message: str, *, with_id: bool = True) -> Reply:
    """A Core API error carried, as Midtrans documents it, inside an HTTP 200 body."""
    fields = {"id": str(uuid.uuid4())} if with_id else {}
    return json_reply(HTTPStatus.OK, core_body(status_code, message, **fields))


def core_not_found() -> Reply:
    return core_error(404, NOT_FOUND_MESSAGE)


def core_cannot_modify() -> Reply:
    return core_error(412, CANNOT_MODIFY_MESSAGE, with_id=False)


def core_unauthorized() -> Reply:
    # The one Core API error Midtrans files under a real HTTP status.
    body = core_body(401, CORE_UNAUTHORIZED_MESSAGE, id=str(uuid.uuid4()))
    return json_reply(HTTPStatus.UNAUTHORIZED, body)


def core_validation_error(*messages: str) -> Reply:
    body = core_body(400, "One or more parameters in the payload is invalid.", validation_messages=list(messages))
    return json_reply(HTTPStatus.OK, body)


def snap_reply(response_code: str, message: str, **fields: Any) -> Reply:
    """A BI-SNAP answer. The 7-digit responseCode is HTTP status + service code + case code, so the
    HTTP status is always its first three digits."""
    body = {"responseCode": response_code, "responseMessage": message, **fields}
    return json_reply(int(response_code[:3]), body)


def link_errors(status: int, *messages: str) -> Reply:
    """Payment Link API errors: a real HTTP status and an `error_messages` array."""
    return json_reply(status, {"error_messages": list(messages)})


def link_unauthorized() -> Reply:
    # Unlike every other Payment Link error, the 401 carries a plain string.
    return json_reply(HTTPStatus.UNAUTHORIZED, {"error_messages": LINK_UNAUTHORIZED_MESSAGE})


def spring_error(status: int, path: str) -> Reply:
    """The framework answer for a path no route matches (e.g. an order_id holding a '/')."""
    phrase = HTTPStatus(status).phrase
    timestamp = datetime.now(UTC).isoformat(timespec="milliseconds")
    body = {"timestamp": timestamp, "status": status, "error": phrase, "message": phrase, "path": path}
    return json_reply(status, body)


def html_page(status: int, title: str | None = None, text: str = "") -> Reply:
    """An HTML page, as a gateway or the hosted payment page answers."""
    heading = title or f"{status} {HTTPStatus(status).phrase}"
    page = (
        f"<html>\r\n<head><title>{heading}</title></head>\r\n<body>\r\n"
        f"<center><h1>{heading}</h1></center>\r\n{text}<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Reply(status, page.encode(), HTML)
