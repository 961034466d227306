"""Domain errors. Each Midtrans failure carries the PRD `failure_reason` it maps to.

Messages here are for logs and operators; they never contain credentials or tokens.
"""

from __future__ import annotations

from typing import Literal

FailureReason = Literal["timeout", "auth_error", "invalid_request", "rate_limited", "api_error"]


class MidtransError(Exception):
    """A call to Midtrans did not produce a usable answer."""

    failure_reason: FailureReason = "api_error"
    # Seconds Midtrans asked us to wait (its Retry-After), whole and >= 1; only rate limiting sets it. On the base
    # class so that a caller can pass it on from any MidtransError without checking the type.
    retry_after_seconds: int | None = None

    def __init__(self, detail: str, *, http_status: int | None = None, status_code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.http_status = http_status
        self.status_code = status_code  # Midtrans' body `status_code`, when there was one


class MidtransTimeout(MidtransError):
    """No answer inside the deadline (or the connection dropped): the outcome is unknown."""

    failure_reason = "timeout"


class MidtransAuthError(MidtransError):
    """Midtrans rejected the server key (401)."""

    failure_reason = "auth_error"


class MidtransRateLimited(MidtransError):
    """429 after the retries the deadline allowed (a refund or cancel: after its one attempt).

    `retry_after_seconds`: Midtrans' Retry-After (delta-seconds or an HTTP date) as whole seconds, at least 1;
    None when it sent none, or nothing readable. The agent's answer passes it on."""

    failure_reason = "rate_limited"

    def __init__(
        self,
        detail: str,
        *,
        http_status: int | None = None,
        status_code: str | None = None,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(detail, http_status=http_status, status_code=status_code)
        self.retry_after_seconds = retry_after_seconds


class MidtransInvalidRequest(MidtransError):
    """Midtrans refused the request's data (400-class validation)."""

    failure_reason = "invalid_request"


class MidtransApiError(MidtransError):
    """5xx, a malformed body, or a status code this client does not understand."""

    failure_reason = "api_error"


class TransactionNotFound(MidtransError):
    """Midtrans has no transaction with that id (body `status_code` "404", even inside HTTP 200). Only Midtrans' own
    JSON says so: an HTTP 404 with an HTML page or another JSON shape is a `MidtransApiError`, never this."""

    failure_reason = "invalid_request"


class TransactionNotModifiable(MidtransError):
    """Midtrans refused to change the transaction (body "412"): its status does not allow it (any more)."""

    failure_reason = "invalid_request"


class RefundAmountRejected(TransactionNotModifiable):
    """Midtrans refused the amount (body "414"): more than what is left to refund."""


class DuplicateRefund(MidtransError):
    """Midtrans already has a refund with this refund_key (body "406"): reconcile, it is not a failure."""

    failure_reason = "api_error"


class RefundRejectedByBank(MidtransError):
    """Direct refund answered "202" with refund_amount 0.00: the bank said no. A failure, not a success."""

    failure_reason = "api_error"


class DeadlineExceeded(MidtransTimeout):
    """The per-invocation deadline left no room to start (or continue) a call."""


class RequestRefused(Exception):
    """A request this service will not carry out. `api.build_resolver` maps it to HTTP in one place."""

    def __init__(
        self,
        http_status: int,
        error: str,
        message: str,
        failure_reason: FailureReason | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.error = error
        self.message = message
        self.failure_reason = failure_reason
        self.headers = headers or {}
