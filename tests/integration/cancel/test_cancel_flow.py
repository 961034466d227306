"""Cancel Transaction through the handler: pre-check, confirmation, exactly one cancel, and every way a
decision can go wrong without anything reaching the cancel endpoint."""

from __future__ import annotations

import time
import uuid
from datetime import datetime

import boto3

from tests.conftest import events_named, load_event
from tests.integration.conftest import invoke

from .conftest import ask, cancels_sent, connect_tenant, decide, midtrans_post

PENDING = "ORDER-PENDING-001"


def test_cancellable_order_gets_a_prompt_and_nothing_is_cancelled_yet(sim) -> None:
    status, body = ask(PENDING)
    assert status == 200 and body["outcome"] == "confirmation_required"
    assert body["message"] == f"Are you sure you want to cancel order {PENDING}? This action cannot be undone."
    uuid.UUID(body["confirmation_id"])
    expires = datetime.fromisoformat(body["expires_at"]).timestamp()
    assert 290 <= expires - time.time() <= 300
    assert cancels_sent(sim, PENDING) == 0 and sim.transaction(PENDING)["transaction_status"] == "pending"


def test_confirm_cancels_exactly_once(sim) -> None:
    confirmation_id = ask(PENDING)[1]["confirmation_id"]
    status, body = decide(confirmation_id)
    assert status == 200 and body["outcome"] == "cancelled" and body["replayed"] is False
    assert body["message"] == f"Your order {PENDING} has been successfully cancelled."
    assert sim.transaction(PENDING)["transaction_status"] == "cancel"
    assert cancels_sent(sim, PENDING) == 1


def test_a_duplicate_yes_replays_the_first_result_and_sends_nothing(sim) -> None:
    confirmation_id = ask(PENDING)[1]["confirmation_id"]
    first = decide(confirmation_id)[1]
    again = decide(confirmation_id)[1]
    assert again == {**first, "replayed": True}
    assert cancels_sent(sim, PENDING) == 1


def test_decline_sends_nothing_and_a_later_yes_gets_the_decline(sim) -> None:
    confirmation_id = ask(PENDING, locale="id")[1]["confirmation_id"]
    status, body = decide(confirmation_id, "decline")
    assert (status, body["outcome"]) == (200, "declined")
    assert body["message"] == "Baik. Pesanan Anda tidak dibatalkan — tidak ada perubahan yang dilakukan."
    later = decide(confirmation_id, "confirm")[1]
    assert later["outcome"] == "declined" and later["replayed"] is True
    assert cancels_sent(sim, PENDING) == 0 and sim.transaction(PENDING)["transaction_status"] == "pending"


def test_not_cancellable_orders_never_reach_the_cancel_endpoint(sim) -> None:
    for order_id, text in [
        ("ORDER-SETTLEMENT-GOPAY-001", "paid"),
        ("ORDER-EXPIRE-001", "expired"),
        ("ORDER-CANCEL-001", "cancelled"),
        ("ORDER-DENY-001", "declined"),
    ]:
        status, body = ask(order_id)
        assert (status, body["outcome"]) == (200, "not_eligible"), order_id
        assert body["message"] == f"This transaction cannot be cancelled — current status: {text}."
        assert body["confirmation_id"] is None
    assert not [c for c in sim.calls() if c["path"].endswith("/cancel")]


def test_card_capture_and_authorize_are_cancellable(sim) -> None:
    for order_id in ("ORDER-CAPTURE-CARD-001", "ORDER-AUTHORIZE-CARD-001"):
        confirmation_id = ask(order_id)[1]["confirmation_id"]
        assert decide(confirmation_id)[1]["outcome"] == "cancelled"
        assert sim.transaction(order_id)["transaction_status"] == "cancel"


def test_uppercase_pending_is_cancellable(sim) -> None:
    body = ask("ORDER-PENDING-SHOPEEPAY-001")[1]
    assert body["outcome"] == "confirmation_required" and body["transaction_status"] == "pending"


def test_needs_order_id_and_not_found(sim) -> None:
    body = invoke("cancel_transaction", load_event("cancel_transaction.request_needs_order_id"))[1]
    assert body["outcome"] == "needs_order_id" and body["locale"] == "id"
    assert ask("ORDER-NOBODY-KNOWS")[1]["outcome"] == "not_found"
    assert not [c for c in sim.calls() if c["path"].endswith("/cancel")]


def test_another_conversation_cannot_use_the_confirmation(sim) -> None:
    confirmation_id = ask(PENDING)[1]["confirmation_id"]
    status, body = decide(confirmation_id, conversation_id="conv-somebody-else")
    assert (status, body["error"]) == (403, "confirmation_other_conversation")
    assert cancels_sent(sim, PENDING) == 0
    assert decide(confirmation_id)[1]["outcome"] == "cancelled"  # the right conversation still can


def test_another_tenant_sees_no_such_confirmation(sim) -> None:
    connect_tenant("tenant-other")
    confirmation_id = ask(PENDING)[1]["confirmation_id"]
    status, body = decide(confirmation_id, claims={"cid": "tenant-other"})
    assert (status, body["error"]) == (404, "confirmation_not_found")
    assert cancels_sent(sim, PENDING) == 0


def test_unknown_and_malformed_confirmation_ids(sim) -> None:
    assert decide(str(uuid.uuid4()))[0] == 404
    status, body = invoke("cancel_transaction", load_event("cancel_transaction.decide_invalid_id"))
    assert (status, body["error"]) == (422, "invalid_request")
    assert not [c for c in sim.calls() if c["path"].endswith("/cancel")]


def test_an_expired_confirmation_sends_nothing_even_before_ttl_deletes_it(sim, aws) -> None:
    confirmation_id = ask(PENDING)[1]["confirmation_id"]
    boto3.client("dynamodb").update_item(
        TableName=aws["ConfirmationsTable"],
        Key={"confirmation_id": {"S": confirmation_id}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(time.time() - 1)}},
    )
    status, body = decide(confirmation_id)
    assert (status, body["error"]) == (410, "confirmation_expired")
    assert cancels_sent(sim, PENDING) == 0


def test_the_world_changed_while_the_customer_thought(sim) -> None:
    confirmation_id = ask(PENDING)[1]["confirmation_id"]
    midtrans_post(sim, f"/v2/{PENDING}/expire")  # expired meanwhile
    status, body = decide(confirmation_id)
    assert (status, body["outcome"]) == (200, "not_eligible")
    assert body["message"] == "This transaction cannot be cancelled — current status: expired."
    assert cancels_sent(sim, PENDING) == 0


def test_a_timeout_on_the_cancel_then_a_later_yes_reports_the_truth(sim) -> None:
    confirmation_id = ask(PENDING)[1]["confirmation_id"]
    # The cancel is applied but the answer arrives after our 0.5 s read timeout.
    sim.add_fault(kind="latency", delay_seconds=1.0, order_id=PENDING, method="POST", times=1)
    status, body = decide(confirmation_id)
    assert (status, body["outcome"], body["failure_reason"]) == (200, "failed", "timeout")
    assert body["message"] == "Unable to cancel your transaction. Please try again or contact support."
    give_up = time.monotonic() + 5  # the simulator applies the cancel when its delay ends
    while sim.transaction(PENDING)["transaction_status"] != "cancel" and time.monotonic() < give_up:
        time.sleep(0.05)
    status, body = decide(confirmation_id)
    assert (body["outcome"], body["replayed"]) == ("cancelled", False)
    assert cancels_sent(sim, PENDING) == 1  # the second "yes" read the status and sent nothing


def test_a_5xx_on_the_cancel_fails_and_a_later_yes_cancels(sim) -> None:
    confirmation_id = ask(PENDING)[1]["confirmation_id"]
    sim.add_fault(kind="status", status=503, order_id=PENDING, method="POST", times=1)
    body = decide(confirmation_id)[1]
    assert (body["outcome"], body["failure_reason"]) == ("failed", "api_error")
    assert sim.transaction(PENDING)["transaction_status"] == "pending"
    assert decide(confirmation_id)[1]["outcome"] == "cancelled"
    assert sim.transaction(PENDING)["transaction_status"] == "cancel"


def test_a_disconnected_tenant_cannot_confirm(sim) -> None:
    confirmation_id = ask(PENDING)[1]["confirmation_id"]
    invoke("connection", load_event("connection.delete", claims={"role": "admin"}))
    status, body = decide(confirmation_id)
    assert (status, body["error"]) == (409, "not_connected")
    assert cancels_sent(sim, PENDING) == 0


def test_confirmation_and_decision_are_logged_with_the_conversation(sim, log_output) -> None:
    confirmation_id = ask(PENDING)[1]["confirmation_id"]
    decide(confirmation_id)
    out = log_output.getvalue()
    [requested] = events_named(out, "midtrans_confirmation_requested")
    [decided] = events_named(out, "midtrans_confirmation_decided")
    assert requested["confirmation_id"] == decided["confirmation_id"] == confirmation_id
    assert requested["conversation_id"] == decided["conversation_id"] == "conv-2001"
    assert (decided["decision"], decided["outcome"], decided["order_id"]) == ("confirm", "cancelled", PENDING)
    stages = [e["stage"] for e in events_named(out, "midtrans_action_success")]
    assert stages == ["precheck", "execute"]
