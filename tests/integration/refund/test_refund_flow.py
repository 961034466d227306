"""Request Refund through the handler, against the simulator: prompts, exactly one refund, partial refunds,
eligibility, refusals, unknown outcomes reconciled, dedupe window."""

from __future__ import annotations

import time
import uuid

import pytest

from midtrans_native.actions.request_refund import refund_key_for
from tests.conftest import events_named, load_event
from tests.integration.conftest import invoke

from .conftest import ask, decide, refunds_sent

GOPAY = "ORDER-SETTLEMENT-GOPAY-001"
CARD = "ORDER-SETTLEMENT-CARD-001"
DONE = (
    "Your refund request for order {order_id} has been submitted successfully. Depending on your bank, it may "
    "take several business days for the money to reach your account."
)


def test_full_refund_prompt_confirm_and_exactly_one_refund(sim) -> None:
    status, prompt = ask(GOPAY)
    assert (status, prompt["outcome"], prompt["amount"]) == (200, "confirmation_required", 150000)
    assert (
        prompt["message"]
        == f"Are you sure you want to request a refund for order {GOPAY}? This action cannot be undone."
    )
    assert refunds_sent(sim, GOPAY) == []
    status, answer = decide(prompt["confirmation_id"])
    assert (status, answer["outcome"]) == (200, "refunded")
    assert answer["message"] == DONE.format(order_id=GOPAY)
    key = refund_key_for("tenant-demo", prompt["confirmation_id"])
    assert answer["refund_key"] == key
    [sent] = refunds_sent(sim, GOPAY)
    assert sent["request_body"] == {"refund_key": key, "amount": 150000}
    stored = sim.transaction(GOPAY)
    assert stored["transaction_status"] == "refund" and [r["refund_key"] for r in stored["refunds"]] == [key]


def test_a_duplicate_yes_replays_and_sends_nothing(sim) -> None:
    confirmation_id = ask(GOPAY)[1]["confirmation_id"]
    first = decide(confirmation_id)[1]
    assert decide(confirmation_id)[1] == {**first, "replayed": True}
    assert len(refunds_sent(sim, GOPAY)) == 1


def test_decline_sends_nothing(sim) -> None:
    confirmation_id = ask(GOPAY, locale="id")[1]["confirmation_id"]
    answer = decide(confirmation_id, "decline")[1]
    assert answer["message"] == "Baik. Tidak ada pengembalian dana yang diajukan — tidak ada perubahan yang dilakukan."
    assert decide(confirmation_id)[1]["outcome"] == "declined"
    assert refunds_sent(sim, GOPAY) == [] and sim.transaction(GOPAY)["transaction_status"] == "settlement"


def test_partial_then_partial_within_the_remainder_then_one_past_it(sim) -> None:
    first = ask(CARD, conversation_id="conv-a", amount=50000)[1]
    assert (
        first["message"]
        == f"Are you sure you want to request a refund of IDR 50,000 for order {CARD}? This action cannot be undone."
    )
    assert decide(first["confirmation_id"], conversation_id="conv-a")[1]["outcome"] == "refunded"
    second = ask(CARD, conversation_id="conv-b", amount=160000)[1]  # gross 250,000
    assert second["refundable_amount"] == 200000
    assert decide(second["confirmation_id"], conversation_id="conv-b")[1]["outcome"] == "refunded"
    status, refused = ask(CARD, conversation_id="conv-c", amount=40001)
    assert (status, refused["error"]) == (422, "amount_exceeds_remainder")
    assert "IDR 40,000" in refused["message"]
    assert len(refunds_sent(sim, CARD)) == 2 and sim.transaction(CARD)["transaction_status"] == "partial_refund"
    # what is left can still be refunded, all of it
    last = ask(CARD, conversation_id="conv-d")[1]
    assert last["amount"] == 40000 and "IDR 40,000" in last["message"]


@pytest.mark.parametrize(
    ("order_id", "reason"),
    [
        ("ORDER-PENDING-001", "status"),
        ("ORDER-CANCEL-001", "status"),
        ("ORDER-EXPIRE-001", "status"),
        ("ORDER-DENY-001", "status"),
        ("ORDER-REFUND-001", "status"),
        ("ORDER-CHARGEBACK-001", "status"),
        ("ORDER-CAPTURE-CARD-001", "status"),
        ("ORDER-FAILURE-001", "status"),
        ("ORDER-SETTLEMENT-VA-001", "payment_method"),
        ("ORDER-SETTLEMENT-CSTORE-001", "payment_method"),
    ],
)
def test_not_eligible_never_reaches_the_refund_endpoint(sim, order_id: str, reason: str) -> None:
    status, body = ask(order_id)
    assert (status, body["outcome"], body["not_eligible_reason"]) == (200, "not_eligible", reason)
    assert body["message"].startswith("This transaction is not eligible for a refund — current status: ")
    assert refunds_sent(sim, order_id) == []


def test_shopeepay_refunds_only_in_full(sim) -> None:
    order_id = "ORDER-SETTLEMENT-SHOPEEPAY-001"
    body = ask(order_id, amount=1000)[1]
    assert (body["outcome"], body["not_eligible_reason"]) == ("not_eligible", "full_refund_only")
    full = ask(order_id, conversation_id="conv-full")[1]
    assert decide(full["confirmation_id"], conversation_id="conv-full")[1]["outcome"] == "refunded"
    assert len(refunds_sent(sim, order_id)) == 1


def test_static_qris_is_refunded_by_transaction_id(sim) -> None:
    order_id = "ORDER-SETTLEMENT-QRIS-STATIC-001"
    prompt = ask(order_id)[1]
    assert decide(prompt["confirmation_id"])[1]["outcome"] == "refunded"
    [sent] = refunds_sent(sim, order_id)
    assert order_id not in sent["path"]  # the path carried the transaction_id


@pytest.mark.parametrize("amount", [0, -5, 1500.5, "1000", 10**13, True])
def test_bad_amounts_are_422_and_nothing_is_sent(sim, amount) -> None:
    before = len(sim.calls())
    status, body = ask(CARD, amount=amount)
    assert (status, body["error"]) == (422, "invalid_request") and "amount" in body["message"]
    assert len(sim.calls()) == before  # not even the status read


def test_fractional_amount_event_fixture_is_refused(sim) -> None:
    status, body = invoke("request_refund", load_event("request_refund.request_fractional_amount"))
    assert (status, body["error"]) == (422, "invalid_request")


def test_a_tampered_amount_at_decision_is_refused_and_nothing_sent(sim) -> None:
    prompt = ask(CARD, amount=50000)[1]
    status, body = decide(prompt["confirmation_id"], amount=150000)
    assert (status, body["error"]) == (422, "amount_mismatch")
    assert refunds_sent(sim, CARD) == []
    assert decide(prompt["confirmation_id"], amount=50000)[1]["outcome"] == "refunded"  # the true amount still works


def test_refusals_send_nothing(sim, aws) -> None:
    import boto3

    from tests.integration.cancel.conftest import connect_tenant

    connect_tenant("tenant-other")
    prompt = ask(GOPAY)[1]
    assert decide(prompt["confirmation_id"], conversation_id="conv-x")[0] == 403
    assert decide(prompt["confirmation_id"], claims={"cid": "tenant-other"})[0] == 404
    assert decide(str(uuid.uuid4()))[0] == 404
    assert invoke("request_refund", load_event("request_refund.decide_invalid_id"))[0] == 422
    boto3.client("dynamodb").update_item(
        TableName=aws["ConfirmationsTable"],
        Key={"confirmation_id": {"S": prompt["confirmation_id"]}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(time.time() - 1)}},
    )
    assert decide(prompt["confirmation_id"])[0] == 410
    assert refunds_sent(sim, GOPAY) == []


def test_timeout_on_the_post_then_confirm_again_one_refund_same_key(sim) -> None:
    prompt = ask(GOPAY)[1]
    sim.add_fault(kind="latency", delay_seconds=1.0, order_id=GOPAY, method="POST", times=1)
    first = decide(prompt["confirmation_id"])[1]
    assert (first["outcome"], first["failure_reason"]) == ("failed", "timeout")
    assert first["message"] == "Unable to process your refund request. Please try again or contact support."
    give_up = time.monotonic() + 5
    while sim.transaction(GOPAY)["transaction_status"] != "refund" and time.monotonic() < give_up:
        time.sleep(0.05)
    second = decide(prompt["confirmation_id"])[1]
    assert second["outcome"] == "refunded" and second["refund_key"] == first["refund_key"]
    sent = refunds_sent(sim, GOPAY)
    assert len(sent) == 1 and len(sim.transaction(GOPAY)["refunds"]) == 1


def test_a_5xx_after_midtrans_stored_the_refund_is_reconciled_at_once(sim) -> None:
    prompt = ask(GOPAY)[1]
    sim.add_fault(kind="status", status=500, processed=True, order_id=GOPAY, method="POST", times=1)
    answer = decide(prompt["confirmation_id"])[1]
    assert answer["outcome"] == "refunded"  # the status read found our refund_key
    assert len(sim.transaction(GOPAY)["refunds"]) == 1


def test_a_5xx_before_anything_happened_fails_and_a_later_yes_retries_with_the_same_key(sim) -> None:
    prompt = ask(GOPAY)[1]
    sim.add_fault(kind="status", status=503, order_id=GOPAY, method="POST", times=1)
    first = decide(prompt["confirmation_id"])[1]
    assert (first["outcome"], first["failure_reason"]) == ("failed", "api_error")
    assert decide(prompt["confirmation_id"])[1]["outcome"] == "refunded"
    keys = {call["request_body"]["refund_key"] for call in refunds_sent(sim, GOPAY)}
    assert keys == {refund_key_for("tenant-demo", prompt["confirmation_id"])}
    assert len(sim.transaction(GOPAY)["refunds"]) == 1


def test_same_conversation_and_order_get_the_open_prompt_back(sim) -> None:
    first = ask(GOPAY)[1]
    again = ask(GOPAY)[1]
    assert again["outcome"] == "confirmation_required" and again["confirmation_id"] == first["confirmation_id"]
    decide(first["confirmation_id"])
    after = ask(GOPAY)[1]
    assert (after["outcome"], after["confirmation_id"]) == ("already_requested", first["confirmation_id"])
    assert len(refunds_sent(sim, GOPAY)) == 1


def test_refund_key_and_confirmation_are_logged_never_a_secret(sim, log_output) -> None:
    from midtrans_local.simulator import SANDBOX_SERVER_KEY

    prompt = ask(GOPAY)[1]
    decide(prompt["confirmation_id"])
    out = log_output.getvalue()
    [decided] = events_named(out, "midtrans_confirmation_decided")
    assert decided["refund_key"] == refund_key_for("tenant-demo", prompt["confirmation_id"])
    assert decided["confirmation_id"] == prompt["confirmation_id"] and decided["conversation_id"] == "conv-3001"
    assert SANDBOX_SERVER_KEY not in out
