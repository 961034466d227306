"""Check Payment Status logic with fakes: every outcome, both locales, the PRD events."""

from __future__ import annotations

import pytest

from midtrans_native.actions.check_payment_status import check_payment_status
from midtrans_native.errors import (
    MidtransApiError,
    MidtransAuthError,
    MidtransRateLimited,
    MidtransTimeout,
    RequestRefused,
    TransactionNotFound,
)
from midtrans_native.models.api import PaymentStatusRequest
from midtrans_native.models.common import Caller
from midtrans_native.models.midtrans import TransactionStatus
from midtrans_native.observability import metrics
from tests.conftest import emf_blobs, events_named

from .fakes import FakeConnections, FakeCoreApi

CALLER = Caller(cid="tenant-a", role="ai_agent", plan="ultimate")
SETTLED = TransactionStatus.model_validate(
    {
        "status_code": "200",
        "order_id": "ORDER-1",
        "transaction_id": "tx-1",
        "transaction_status": "settlement",
        "payment_type": "gopay",
        "gross_amount": "150000.00",
        "transaction_time": "2026-11-20 10:15:42",
    }
)


def run(answer: object, order_id: str | None = "ORDER-1", locale: str = "en", connected: bool = True):
    api = FakeCoreApi(answer)
    request = PaymentStatusRequest(conversation_id="conv-1", order_id=order_id, locale=locale)
    result = check_payment_status(
        request, CALLER, connections=FakeConnections(connected), core_api=lambda credentials: api
    )
    return result, api


def test_ok_answers_status_amount_method_and_time_in_english() -> None:
    result, api = run(SETTLED)
    assert result.outcome == "ok" and api.calls == ["ORDER-1"]
    assert result.message == (
        "The payment for order ORDER-1 is paid. Amount: IDR 150,000. Payment method: GoPay. "
        "Transaction time: 2026-11-20 10:15 WIB."
    )
    assert result.payment is not None and result.payment.gross_amount == 150000
    assert result.failure_reason is None


def test_ok_in_indonesian() -> None:
    result, _ = run(SETTLED, locale="id")
    assert result.message.startswith("Pembayaran untuk pesanan ORDER-1 sudah dibayar. Jumlah: Rp150.000.")


@pytest.mark.parametrize("order_id", [None, "", "   "])
def test_no_order_id_asks_for_it_and_never_calls_midtrans(order_id: str | None) -> None:
    result, api = run(SETTLED, order_id=order_id)
    assert result.outcome == "needs_order_id" and api.calls == []
    assert "order ID" in result.message


def test_not_connected_is_refused_before_any_call() -> None:
    with pytest.raises(RequestRefused) as refused:
        run(SETTLED, connected=False)
    assert (refused.value.http_status, refused.value.error) == (409, "not_connected")


def test_not_found_uses_the_prd_copy() -> None:
    result, _ = run(TransactionNotFound("404"))
    assert result.outcome == "not_found"
    assert result.message == "I couldn't find a payment with that order ID. Please verify and try again."


@pytest.mark.parametrize(
    ("error", "reason", "message_start"),
    [
        (MidtransTimeout("t"), "timeout", "I was unable to check your payment status."),
        (MidtransAuthError("a"), "auth_error", "I was unable to check your payment status."),
        (MidtransApiError("e"), "api_error", "I was unable to check your payment status."),
        (MidtransRateLimited("r"), "rate_limited", "Our payment system is busy right now."),
    ],
)
def test_failures_carry_their_reason_and_copy(error: Exception, reason: str, message_start: str) -> None:
    result, _ = run(error)
    assert (result.outcome, result.failure_reason) == ("failed", reason)
    assert result.message.startswith(message_start)


def test_events_executed_then_success(log_output) -> None:
    run(SETTLED)
    out = log_output.getvalue()
    [executed] = events_named(out, "midtrans_action_executed")
    [success] = events_named(out, "midtrans_action_success")
    assert executed["action_type"] == "check_payment_status" and executed["cid"] == "tenant-a"
    assert executed["conversation_id"] == "conv-1" and executed["order_id"] == "ORDER-1" and executed["timestamp"]
    assert success["response_status"] == "200" and isinstance(success["duration_ms"], int)
    assert events_named(out, "midtrans_action_failed") == []


def test_events_executed_then_failed_with_reason(log_output) -> None:
    run(MidtransTimeout("no answer"))
    out = log_output.getvalue()
    [failed] = events_named(out, "midtrans_action_failed")
    assert failed["failure_reason"] == "timeout" and failed["order_id"] == "ORDER-1"
    assert events_named(out, "midtrans_action_success") == []


def test_metrics_count_started_and_failed_by_reason_without_tenant_dimensions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(MidtransAuthError("bad key"))
    metrics.flush_metrics()  # what the handler's log_metrics decorator does at the end of the invocation
    emf = emf_blobs(capsys.readouterr().out)
    directives = [d for blob in emf for d in blob["_aws"]["CloudWatchMetrics"]]
    names = {m["Name"] for d in directives for m in d["Metrics"]}
    dimensions = {dim for d in directives for group in d["Dimensions"] for dim in group}
    assert {"ActionStarted", "ActionFailed"} <= names
    assert dimensions <= {"service", "action_type", "failure_reason"}
    failed = next(blob for blob in emf if "ActionFailed" in blob)
    assert failed["failure_reason"] == "auth_error" and failed["action_type"] == "check_payment_status"
