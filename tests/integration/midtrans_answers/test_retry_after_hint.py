"""A rate-limited answer tells the agent how long Midtrans asked it to wait: `retry_after_seconds` next to
`failure_reason: rate_limited`, through the handlers, against the simulator sending 429 + Retry-After."""

from __future__ import annotations

from typing import Any

from midtrans_local.simulator import MidtransSimulator
from midtrans_native.messages import Msg, render
from tests.conftest import load_event
from tests.integration.cancel.conftest import ask as ask_cancel
from tests.integration.cancel.conftest import cancels_sent
from tests.integration.cancel.conftest import decide as decide_cancel
from tests.integration.conftest import invoke
from tests.integration.payment_links.conftest import create
from tests.integration.refund.conftest import ask as ask_refund
from tests.integration.refund.conftest import decide as decide_refund

PENDING = "ORDER-PENDING-001"
GOPAY = "ORDER-SETTLEMENT-GOPAY-001"
# Longer than the invocation's deadline: a status read does not sleep it away, the 429 goes back at once.
WAIT = 40


def check_status(order_id: str) -> tuple[int, Any]:
    body = {"conversation_id": "conv-429-1", "order_id": order_id, "locale": "en"}
    return invoke("check_payment_status", load_event("check_payment_status.settlement", body=body))


def assert_rate_limited(status: int, answer: Any, wait: int | None) -> None:
    assert status == 200
    assert (answer["outcome"], answer["failure_reason"]) == ("failed", "rate_limited"), answer
    assert answer["message"] == render(Msg.RATE_LIMITED, "en")
    assert answer["retry_after_seconds"] == wait


def test_a_status_check_answers_the_wait(sim: MidtransSimulator) -> None:
    sim.add_fault(kind="status", status=429, retry_after=WAIT, operation="status")
    assert_rate_limited(*check_status(PENDING), WAIT)


def test_without_retry_after_there_is_no_hint(sim: MidtransSimulator) -> None:
    sim.add_fault(kind="status", status=429, retry_after=None, operation="status")
    assert_rate_limited(*check_status(PENDING), None)


def test_a_cancel_precheck_answers_the_wait(sim: MidtransSimulator) -> None:
    sim.add_fault(kind="status", status=429, retry_after=WAIT, operation="status")
    assert_rate_limited(*ask_cancel(PENDING), WAIT)


def test_a_refund_precheck_answers_the_wait(sim: MidtransSimulator) -> None:
    sim.add_fault(kind="status", status=429, retry_after=WAIT, operation="status")
    assert_rate_limited(*ask_refund(GOPAY), WAIT)


def test_a_payment_link_create_answers_the_wait(sim: MidtransSimulator) -> None:
    sim.add_fault(kind="status", status=429, retry_after=WAIT, operation="link_create")
    status, answer = create("whatsapp")
    assert_rate_limited(status, answer, WAIT)


def test_a_confirmed_refund_hit_by_429_answers_the_wait(sim: MidtransSimulator) -> None:
    """The refund POST is sent once, never retried: its 429 and Retry-After go to the agent as they came."""
    prompt = ask_refund(GOPAY)[1]
    sim.add_fault(kind="status", status=429, retry_after=9, operation="refund")
    status, answer = decide_refund(prompt["confirmation_id"])
    assert sim.transaction(GOPAY)["transaction_status"] == "settlement"
    assert_rate_limited(status, answer, 9)


def test_a_confirmed_cancel_hit_by_429_answers_the_wait(sim: MidtransSimulator) -> None:
    prompt = ask_cancel(PENDING)[1]
    sim.add_fault(kind="status", status=429, retry_after=9, operation="cancel")
    status, answer = decide_cancel(prompt["confirmation_id"])
    assert cancels_sent(sim, PENDING) == 1 and sim.transaction(PENDING)["transaction_status"] == "pending"
    assert_rate_limited(status, answer, 9)
