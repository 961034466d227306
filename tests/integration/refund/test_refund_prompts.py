"""One open refund prompt per conversation and order (docs/decisions.md D28): the same amount gets it back, another
amount replaces it (the old one can never be confirmed), too much is 422; after a not_eligible decision a new request
is a new request. Decisions: the caller's right, the turn guard, replay and expiry come before the amount check, and
replays speak the requesting locale. Every refusal is counted at the simulator: nothing sent."""

from __future__ import annotations

import time

from tests.integration.cancel.conftest import confirmations_for, expire

from .conftest import ask, decide, refunds_sent

GOPAY = "ORDER-SETTLEMENT-GOPAY-001"  # gross 150,000
CARD = "ORDER-SETTLEMENT-CARD-001"  # gross 250,000
FULL_PROMPT_ID = (
    "Apakah Anda yakin ingin mengajukan pengembalian dana untuk pesanan {order_id}? Tindakan ini tidak dapat "
    "dibatalkan."
)
DONE_ID = (
    "Permintaan pengembalian dana untuk pesanan {order_id} telah berhasil diajukan. Tergantung bank Anda, dana "
    "mungkin memerlukan beberapa hari kerja untuk masuk ke rekening Anda."
)


# ---- asking again while a prompt is open -------------------------------------------------------------------


def test_the_same_amount_replays_the_open_prompt_in_the_requested_locale(sim) -> None:
    first = ask(GOPAY)[1]
    status, again = ask(GOPAY, locale="id")  # both without an amount: the whole remainder, unchanged
    assert (status, again["outcome"]) == (200, "confirmation_required")
    assert again["confirmation_id"] == first["confirmation_id"]
    assert (again["locale"], again["message"]) == ("id", FULL_PROMPT_ID.format(order_id=GOPAY))
    assert (again["amount"], again["refundable_amount"], again["expires_at"]) == (150000, 150000, first["expires_at"])
    explicit = ask(GOPAY, amount=150000)[1]  # the same amount, said out loud
    assert explicit["confirmation_id"] == first["confirmation_id"]
    assert explicit["message"] == first["message"]
    assert refunds_sent(sim, GOPAY) == []


def test_another_amount_supersedes_the_open_prompt_which_can_no_longer_be_answered(sim, aws) -> None:
    old = ask(CARD, amount=50000)[1]
    status, new = ask(CARD, amount=60000)
    assert (status, new["outcome"], new["amount"]) == (200, "confirmation_required", 60000)
    assert new["confirmation_id"] != old["confirmation_id"]
    assert "IDR 60,000" in new["message"]
    states = {
        c["confirmation_id"]: c["state"]
        for c in confirmations_for(aws["ConfirmationsTable"], "refund", "conv-3001", CARD)
    }
    assert states == {old["confirmation_id"]: "superseded", new["confirmation_id"]: "pending"}

    for decision in ("confirm", "decline"):
        status, refused = decide(old["confirmation_id"], decision)
        assert (status, refused["error"]) == (409, "confirmation_superseded"), decision
        assert "newer request" in refused["message"]
    assert decide(old["confirmation_id"], locale="id")[1]["message"].startswith("Konfirmasi ini sudah digantikan")
    assert refunds_sent(sim, CARD) == []

    status, done = decide(new["confirmation_id"])
    assert (status, done["outcome"], done["amount"]) == (200, "refunded", 60000)
    [sent] = refunds_sent(sim, CARD)
    assert sent["request_body"]["amount"] == 60000


def test_the_full_remainder_after_a_partial_prompt_supersedes_it(sim) -> None:
    partial = ask(CARD, amount=50000)[1]
    full = ask(CARD)[1]
    assert full["confirmation_id"] != partial["confirmation_id"] and full["amount"] == 250000
    assert decide(partial["confirmation_id"])[0] == 409
    assert refunds_sent(sim, CARD) == []


def test_an_amount_above_the_remainder_is_422_while_a_prompt_is_open_and_the_prompt_stays(sim) -> None:
    open_prompt = ask(CARD, amount=50000)[1]
    status, refused = ask(CARD, amount=250001)
    assert (status, refused["error"]) == (422, "amount_exceeds_remainder")
    assert "IDR 250,000" in refused["message"]
    assert refunds_sent(sim, CARD) == []
    # Nothing was replaced: the open prompt is still the one, and still works.
    assert ask(CARD, amount=50000)[1]["confirmation_id"] == open_prompt["confirmation_id"]
    assert decide(open_prompt["confirmation_id"])[1]["outcome"] == "refunded"
    assert [c["request_body"]["amount"] for c in refunds_sent(sim, CARD)] == [50000]


def test_after_a_not_eligible_decision_a_new_request_gets_a_new_prompt(sim) -> None:
    mine = ask(CARD, conversation_id="conv-a", amount=200000)[1]
    other = ask(CARD, conversation_id="conv-b", amount=100000)[1]
    assert decide(other["confirmation_id"], conversation_id="conv-b")[1]["outcome"] == "refunded"
    # 150,000 left: the 200,000 this conversation was asked about no longer fits.
    ended = decide(mine["confirmation_id"], conversation_id="conv-a")[1]
    assert ended["outcome"] == "not_eligible"
    status, again = ask(CARD, conversation_id="conv-a")
    assert (status, again["outcome"]) == (200, "confirmation_required")  # not already_requested
    assert again["confirmation_id"] != mine["confirmation_id"] and again["amount"] == 150000
    assert decide(again["confirmation_id"], conversation_id="conv-a")[1]["outcome"] == "refunded"
    assert [c["request_body"]["amount"] for c in refunds_sent(sim, CARD)] == [100000, 150000]


def test_after_a_decline_a_new_request_gets_a_new_prompt(sim) -> None:
    declined = ask(GOPAY)[1]
    decide(declined["confirmation_id"], "decline")
    again = ask(GOPAY)[1]
    assert again["outcome"] == "confirmation_required" and again["confirmation_id"] != declined["confirmation_id"]


def test_a_refund_that_landed_although_its_answer_was_lost_is_already_requested(sim) -> None:
    prompt = ask(GOPAY)[1]
    # The POST lands when its 1 s delay ends, after our 0.5 s timeout and the reconcile read: "failed", pending.
    sim.add_fault(kind="latency", delay_seconds=1.0, order_id=GOPAY, method="POST", times=1)
    assert decide(prompt["confirmation_id"])[1]["outcome"] == "failed"
    give_up = time.monotonic() + 5
    while sim.transaction(GOPAY)["transaction_status"] != "refund" and time.monotonic() < give_up:
        time.sleep(0.05)
    # Asked again (another amount): the open prompt's refund_key is at Midtrans, so no second prompt.
    status, body = ask(GOPAY, amount=1000)
    assert (status, body["outcome"], body["confirmation_id"]) == (200, "already_requested", prompt["confirmation_id"])
    assert len(refunds_sent(sim, GOPAY)) == 1


def test_a_prompt_already_answered_yes_with_an_unknown_outcome_is_not_replaced(sim) -> None:
    prompt = ask(CARD, amount=50000)[1]
    sim.add_fault(kind="status", status=503, order_id=CARD, method="POST", times=1)
    assert decide(prompt["confirmation_id"])[1]["outcome"] == "failed"  # back to pending, outcome unknown
    status, body = ask(CARD, amount=60000)
    assert (status, body["error"]) == (409, "decision_in_progress")  # replacing it could refund twice
    assert ask(CARD, amount=50000)[1]["confirmation_id"] == prompt["confirmation_id"]
    assert decide(prompt["confirmation_id"])[1]["outcome"] == "refunded"
    assert [c["request_body"]["amount"] for c in refunds_sent(sim, CARD)] == [50000, 50000]  # the retry, same key
    assert len(sim.transaction(CARD)["refunds"]) == 1


# ---- deciding ----------------------------------------------------------------------------------------------


def test_a_repeated_decision_is_replayed_whatever_amount_it_carries(sim) -> None:
    prompt = ask(CARD, amount=50000)[1]
    first = decide(prompt["confirmation_id"], amount=50000)[1]
    status, again = decide(prompt["confirmation_id"], amount=1)
    assert status == 200 and again == {**first, "replayed": True}
    assert len(refunds_sent(sim, CARD)) == 1


def test_the_amount_cannot_be_probed_from_another_conversation_or_tenant(sim) -> None:
    from tests.integration.cancel.conftest import connect_tenant

    connect_tenant("tenant-other")
    prompt = ask(CARD, amount=50000)[1]
    for amount in (1, 50000):  # a wrong and the right amount get the same refusal
        status, body = decide(prompt["confirmation_id"], conversation_id="conv-x", amount=amount)
        assert (status, body["error"]) == (403, "confirmation_other_conversation")
        status, body = decide(prompt["confirmation_id"], claims={"cid": "tenant-other"}, amount=amount)
        assert (status, body["error"]) == (404, "confirmation_not_found")
    assert refunds_sent(sim, CARD) == []


def test_an_expired_confirmation_is_410_whatever_amount_it_carries(sim, aws) -> None:
    prompt = ask(CARD, amount=50000)[1]
    expire(aws["ConfirmationsTable"], prompt["confirmation_id"])
    status, body = decide(prompt["confirmation_id"], amount=1)
    assert (status, body["error"]) == (410, "confirmation_expired")
    assert refunds_sent(sim, CARD) == []


def test_the_turn_guard_comes_after_the_conversation_check_and_before_expiry_and_amount(sim, aws) -> None:
    prompt = ask(CARD, amount=50000, message_id="msg-1")[1]
    status, body = decide(prompt["confirmation_id"], conversation_id="conv-x", message_id="msg-1")
    assert (status, body["error"]) == (403, "confirmation_other_conversation")
    status, body = decide(prompt["confirmation_id"], amount=1, message_id="msg-1")
    assert (status, body["error"]) == (409, "awaiting_customer_reply")
    expire(aws["ConfirmationsTable"], prompt["confirmation_id"])
    status, body = decide(prompt["confirmation_id"], message_id="msg-1")
    assert (status, body["error"]) == (409, "awaiting_customer_reply")
    assert refunds_sent(sim, CARD) == []


def test_a_replayed_decision_answers_in_the_locale_it_was_asked_in(sim) -> None:
    prompt = ask(GOPAY)[1]  # prompt in English
    first = decide(prompt["confirmation_id"])[1]
    assert first["locale"] == "en"
    status, again = decide(prompt["confirmation_id"], locale="id")
    assert status == 200 and again["replayed"] is True
    assert (again["locale"], again["message"]) == ("id", DONE_ID.format(order_id=GOPAY))
    assert {k: v for k, v in again.items() if k not in ("locale", "message", "replayed")} == {
        k: v for k, v in first.items() if k not in ("locale", "message", "replayed")
    }
    assert decide(prompt["confirmation_id"])[1]["message"] == first["message"]  # English again on request
    assert len(refunds_sent(sim, GOPAY)) == 1


def test_a_replayed_decline_answers_in_the_locale_it_was_asked_in(sim) -> None:
    prompt = ask(GOPAY, locale="id")[1]
    decide(prompt["confirmation_id"], "decline")
    status, again = decide(prompt["confirmation_id"], "confirm", locale="en")
    assert (status, again["outcome"], again["replayed"]) == (200, "declined", True)
    assert again["message"] == "Understood. No refund has been requested — no changes were made."
    assert refunds_sent(sim, GOPAY) == []
