"""A body that is not Midtrans' JSON is never evidence about a transaction (docs/midtrans-behaviour.md §4).

Through the handlers, against the simulator answering an nginx-style HTML 404 (a proxy's or CDN's page) in place of
Midtrans: a status check, a cancel or refund pre-check, a confirmed decision's status re-read, the connect probe
and the payment-link conflict path all answer `failed` + `api_error` with the action's failure copy. None says "no
such payment", none verifies a key, none cancels or refunds.
"""

from __future__ import annotations

from typing import Any

import pytest

from midtrans_local.simulator import MidtransSimulator
from midtrans_native.messages import Msg, render
from tests.conftest import load_event
from tests.integration.cancel.conftest import CONNECT, cancels_sent
from tests.integration.cancel.conftest import ask as ask_cancel
from tests.integration.cancel.conftest import decide as decide_cancel
from tests.integration.conftest import invoke
from tests.integration.payment_links.conftest import create, event_body, link_calls
from tests.integration.refund.conftest import ask as ask_refund
from tests.integration.refund.conftest import decide as decide_refund
from tests.integration.refund.conftest import refunds_sent

PENDING = "ORDER-PENDING-001"  # cancellable
GOPAY = "ORDER-SETTLEMENT-GOPAY-001"  # refundable
HTML_404 = {"kind": "html", "status": 404}


def check_status(order_id: str) -> tuple[int, Any]:
    body = {"conversation_id": "conv-html-1", "order_id": order_id, "locale": "en"}
    return invoke("check_payment_status", load_event("check_payment_status.settlement", body=body))


def assert_api_error(answer: Any, copy: Msg) -> None:
    assert (answer["outcome"], answer["failure_reason"]) == ("failed", "api_error"), answer
    assert answer["message"] == render(copy, "en")
    assert answer["message"] != render(Msg.STATUS_NOT_FOUND, "en")


def test_the_simulator_answers_an_html_404_page(sim: MidtransSimulator) -> None:
    """The fault this file relies on: a real HTTP 404 whose body is a web page, not Midtrans JSON."""
    import requests

    from midtrans_local.simulator import SANDBOX_SERVER_KEY, basic_auth_header

    sim.add_fault(**HTML_404, times=1)
    reply = requests.get(
        f"{sim.base_url}/v2/{PENDING}/status",
        headers={"Authorization": basic_auth_header(SANDBOX_SERVER_KEY)},
        timeout=5,
    )
    assert reply.status_code == 404 and reply.headers["Content-Type"].startswith("text/html")
    assert "<html>" in reply.text and "status_code" not in reply.text


def test_a_status_check_answered_by_an_html_404_is_an_api_error_not_not_found(sim: MidtransSimulator) -> None:
    sim.add_fault(**HTML_404, operation="status")
    status, answer = check_status(PENDING)
    assert status == 200
    assert_api_error(answer, Msg.STATUS_TIMEOUT)


def test_a_cancel_precheck_answered_by_an_html_404_prompts_nothing(sim: MidtransSimulator) -> None:
    sim.add_fault(**HTML_404, operation="status")
    status, answer = ask_cancel(PENDING)
    assert status == 200 and answer.get("confirmation_id") is None
    assert_api_error(answer, Msg.CANCEL_TIMEOUT)


def test_a_refund_precheck_answered_by_an_html_404_prompts_nothing(sim: MidtransSimulator) -> None:
    sim.add_fault(**HTML_404, operation="status")
    status, answer = ask_refund(GOPAY)
    assert status == 200 and answer.get("confirmation_id") is None
    assert_api_error(answer, Msg.REFUND_TIMEOUT)


def test_a_cancel_decision_whose_re_read_gets_an_html_404_does_not_cancel(sim: MidtransSimulator) -> None:
    prompt = ask_cancel(PENDING)[1]
    assert prompt["outcome"] == "confirmation_required"
    sim.add_fault(**HTML_404, operation="status")

    status, answer = decide_cancel(prompt["confirmation_id"])

    assert status == 200
    assert_api_error(answer, Msg.CANCEL_TIMEOUT)
    assert cancels_sent(sim, PENDING) == 0 and sim.transaction(PENDING)["transaction_status"] == "pending"


def test_a_refund_decision_whose_re_read_gets_an_html_404_does_not_refund(sim: MidtransSimulator) -> None:
    prompt = ask_refund(GOPAY)[1]
    assert prompt["outcome"] == "confirmation_required"
    sim.add_fault(**HTML_404, operation="status")

    status, answer = decide_refund(prompt["confirmation_id"])

    assert status == 200
    assert_api_error(answer, Msg.REFUND_TIMEOUT)
    assert refunds_sent(sim, GOPAY) == [] and sim.transaction(GOPAY)["transaction_status"] == "settlement"


def test_a_connect_probe_answered_by_an_html_404_does_not_verify_the_key(sim: MidtransSimulator) -> None:
    """The probe reads an order that cannot exist: only Midtrans' own "404" proves the key; a page proves nothing."""
    sim.add_fault(**HTML_404, operation="status")
    claims = {"cid": "tenant-html-probe"}

    status, body = invoke("connection", load_event("connection.put_sandbox", body=CONNECT, claims=claims))

    assert (status, body["error"], body["failure_reason"]) == (502, "connection_unverified", "api_error")
    status, view = invoke("connection", load_event("connection.get", claims=claims))
    assert (status, view["status"]) == (200, "not_connected")


def test_a_link_create_answered_by_an_html_409_is_not_a_conflict(sim: MidtransSimulator) -> None:
    """A 409 page is not Midtrans' "order_id taken": no read-back of a link that may not exist."""
    sim.add_fault(kind="html", status=409, operation="link_create")
    status, answer = create("whatsapp")
    assert (status, answer["outcome"], answer["failure_reason"]) == (200, "failed", "api_error")
    assert link_calls(sim, "GET") == []


def test_a_link_read_back_answered_by_an_html_404_is_not_someone_elses_order(sim: MidtransSimulator) -> None:
    """After Midtrans' real 409, the read-back meets a 404 page: not "taken by a deactivated link" (409
    order_id_taken), but a failure the agent may retry."""
    create("whatsapp")
    sim.add_fault(**HTML_404, operation="link_get")

    status, answer = create("whatsapp", body={**event_body("whatsapp"), "conversation_id": "conv-other"})

    assert (status, answer["outcome"], answer["failure_reason"]) == (200, "failed", "api_error")
    assert answer["message"] == render(Msg.LINK_TIMEOUT, "en")


@pytest.mark.usefixtures("sim")
@pytest.mark.parametrize("asked_by", ["status_check", "cancel_precheck"])
def test_midtrans_own_404_still_means_not_found(asked_by: str) -> None:
    """The other side: Midtrans' JSON "404" (inside HTTP 200, as Midtrans sends it) is still "no such payment", for
    the status check and for the status read a cancel request starts with."""
    status, answer = check_status("ORDER-DOES-NOT-EXIST-1") if asked_by == "status_check" else ask_cancel("NOPE-1")
    assert (status, answer["outcome"]) == (200, "not_found")
