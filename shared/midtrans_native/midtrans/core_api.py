"""Core API v2 (status now; cancel and refund build on the same classification).

Midtrans reports the outcome in the body's string `status_code`, often inside HTTP 200: a missing
transaction is HTTP 200 + "404", and "407" is a *successful* expiry. Classify by the body first,
then by the HTTP status, and treat anything unparseable as an API error (docs/midtrans-behaviour.md §4).

Only Midtrans' own JSON (an object with `status_code`) is evidence about a transaction: not found, success,
not modifiable, duplicate. An HTTP status alone says something only about the call: 401 (the key) and 429 (the
rate). An HTTP 404 with a proxy's or CDN's HTML page, or any other body without `status_code`, is an API error:
taking it for "no such transaction" would tell a customer their payment does not exist, and let a connect probe
pass a key that was never checked.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote

from pydantic import ValidationError

from midtrans_native.errors import (
    DuplicateRefund,
    MidtransApiError,
    MidtransAuthError,
    MidtransInvalidRequest,
    MidtransRateLimited,
    RefundAmountRejected,
    RefundRejectedByBank,
    TransactionNotFound,
    TransactionNotModifiable,
)
from midtrans_native.midtrans.transport import MidtransReply, MidtransTransport
from midtrans_native.models.common import validate_order_id
from midtrans_native.models.midtrans import TransactionStatus

# Body codes that carry a transaction: success, pending, denied, and expired (the 407 quirk).
TRANSACTION_CODES = frozenset({200, 201, 202, 407})
INVALID_REQUEST_CODES = frozenset({400, 408, 413})


def order_path(order_id: str) -> str:
    """Validate again (defence in depth) and percent-encode, so no id can reach another path."""
    return quote(validate_order_id(order_id), safe="")


def raise_for_common_failures(reply: MidtransReply, what: str) -> dict[str, Any]:
    """Raise for the outcomes every Core API call shares; return the body for the caller to read."""
    code = reply.status_code
    if reply.http_status == 401 or code == 401:
        raise MidtransAuthError(f"{what}: server key rejected", http_status=reply.http_status, status_code="401")
    if code is None and reply.http_status == 429:
        # About the call, not the transaction: whoever answered (Midtrans or a gateway in front), slow down.
        raise MidtransRateLimited(f"{what}: HTTP 429", http_status=429, retry_after_seconds=reply.retry_after_seconds)
    if reply.body is None:
        raise MidtransApiError(
            f"{what}: HTTP {reply.http_status} with a body that is not a JSON object", http_status=reply.http_status
        )
    if code is None:
        # Not Midtrans' JSON (a gateway's error, or the Spring-style body of an unroutable path, docs §4): no
        # evidence about the transaction, whatever the HTTP status says (see the module docstring).
        raise MidtransApiError(
            f"{what}: HTTP {reply.http_status}, no status_code in the body", http_status=reply.http_status
        )
    detail = f"{what}: status_code {code} (HTTP {reply.http_status})"
    if code == 404:
        raise TransactionNotFound(detail, http_status=reply.http_status, status_code="404")
    if code == 429:
        raise MidtransRateLimited(
            detail, http_status=reply.http_status, status_code="429", retry_after_seconds=reply.retry_after_seconds
        )
    if code in INVALID_REQUEST_CODES:
        raise MidtransInvalidRequest(detail, http_status=reply.http_status, status_code=str(code))
    if code >= 500:
        raise MidtransApiError(detail, http_status=reply.http_status, status_code=str(code))
    return reply.body


class PaymentsClient(Protocol):
    """What the actions need from Midtrans, whichever transport carries it (Core API or BI-SNAP)."""

    def get_status(self, order_id: str) -> TransactionStatus: ...
    def cancel(self, transaction_ref: str) -> TransactionStatus: ...
    def refund(
        self, transaction_ref: str, *, refund_key: str, amount: int, reason: str | None
    ) -> TransactionStatus: ...


class CoreApiClient:
    def __init__(self, transport: MidtransTransport) -> None:
        self._transport = transport

    def get_status(self, order_id: str) -> TransactionStatus:
        """GET /v2/{order_id}/status, retried on 429/5xx/connection errors inside the deadline."""
        reply = self._transport.request("GET", f"/v2/{order_path(order_id)}/status", idempotent=True)
        body = raise_for_common_failures(reply, "status")
        code = reply.status_code
        if code not in TRANSACTION_CODES:
            raise MidtransApiError(
                f"status: unexpected status_code {code}", http_status=reply.http_status, status_code=str(code)
            )
        try:
            return TransactionStatus.model_validate(body)
        except ValidationError as exc:
            fields = ", ".join(str(err["loc"][0]) for err in exc.errors() if err["loc"])
            raise MidtransApiError(
                f"status: body missing or malformed fields: {fields}",
                http_status=reply.http_status,
                status_code=str(code),
            ) from None

    def cancel(self, transaction_ref: str) -> TransactionStatus:
        """POST /v2/{id}/cancel, sent exactly once (a mutating call is never retried here: a timeout is an
        unknown outcome the caller reconciles with a status read). 412 means the status forbids it."""
        reply = self._transport.request("POST", f"/v2/{order_path(transaction_ref)}/cancel", idempotent=False)
        body = raise_for_common_failures(reply, "cancel")
        code = reply.status_code
        if code == 412:
            raise TransactionNotModifiable("cancel: status_code 412", http_status=reply.http_status, status_code="412")
        if code != 200:
            raise MidtransApiError(
                f"cancel: unexpected status_code {code}", http_status=reply.http_status, status_code=str(code)
            )
        try:
            return TransactionStatus.model_validate(body)
        except ValidationError:
            raise MidtransApiError("cancel: body missing transaction fields", http_status=reply.http_status) from None

    def refund(self, transaction_ref: str, *, refund_key: str, amount: int, reason: str | None) -> TransactionStatus:
        """POST /v2/{id}/refund with our refund_key, sent exactly once. Midtrans treats a repeated key as the same
        refund (406), so a later retry with the same key can never become a second refund."""
        payload: dict[str, object] = {"refund_key": refund_key, "amount": amount}
        if reason:
            payload["reason"] = reason
        reply = self._transport.request(
            "POST", f"/v2/{order_path(transaction_ref)}/refund", json=payload, idempotent=False
        )
        body = raise_for_common_failures(reply, "refund")
        code = reply.status_code
        detail = f"refund: status_code {code} (HTTP {reply.http_status})"
        if code == 406:
            raise DuplicateRefund(detail, http_status=reply.http_status, status_code="406")
        if code == 412:
            raise TransactionNotModifiable(detail, http_status=reply.http_status, status_code="412")
        if code == 414:
            raise RefundAmountRejected(detail, http_status=reply.http_status, status_code="414")
        if code == 202 or (code == 200 and str(body.get("refund_amount", "")).strip() in {"0", "0.00"}):
            raise RefundRejectedByBank(detail, http_status=reply.http_status, status_code=str(code))
        if code != 200:
            raise MidtransApiError(
                f"refund: unexpected status_code {code}", http_status=reply.http_status, status_code=str(code)
            )
        try:
            return TransactionStatus.model_validate(body)
        except ValidationError:
            raise MidtransApiError("refund: body missing transaction fields", http_status=reply.http_status) from None
