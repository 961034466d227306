"""Cancel prompts are de-duplicated like refund prompts (docs/decisions.md D28): one open prompt per conversation
and order, replayed in the requested locale; right after a cancel in the conversation, `already_requested`.
Decision replays speak the requesting locale; the turn guard comes after the 403/404 checks."""

from __future__ import annotations

import time

from .conftest import ask, cancels_sent, confirmations_for, decide, expire

PENDING = "ORDER-PENDING-001"
PROMPT_ID = "Apakah Anda yakin ingin membatalkan pesanan {order_id}? Tindakan ini tidak dapat dibatalkan."


def test_an_open_cancel_prompt_is_replayed_in_the_requested_locale(sim, aws) -> None:
    first = ask(PENDING)[1]
    status, again = ask(PENDING, locale="id")
    assert (status, again["outcome"]) == (200, "confirmation_required")
    assert again["confirmation_id"] == first["confirmation_id"] and again["expires_at"] == first["expires_at"]
    assert (again["locale"], again["message"]) == ("id", PROMPT_ID.format(order_id=PENDING))
    for _ in range(5):
        assert ask(PENDING)[1]["confirmation_id"] == first["confirmation_id"]
    records = confirmations_for(aws["ConfirmationsTable"], "cancel", "conv-2001", PENDING)
    assert records == [{"confirmation_id": first["confirmation_id"], "state": "pending"}]
    assert cancels_sent(sim, PENDING) == 0


def test_other_conversations_get_their_own_prompt(sim) -> None:
    mine = ask(PENDING)[1]
    theirs = ask(PENDING, conversation_id="conv-other")[1]
    assert theirs["confirmation_id"] != mine["confirmation_id"]


def test_asking_again_right_after_a_cancel_is_already_requested(sim) -> None:
    prompt = ask(PENDING)[1]
    assert decide(prompt["confirmation_id"])[1]["outcome"] == "cancelled"
    calls_before = len(sim.calls())
    status, again = ask(PENDING, locale="id")
    assert (status, again["outcome"], again["confirmation_id"]) == (200, "already_requested", prompt["confirmation_id"])
    assert again["message"] == f"Pesanan {PENDING} sudah dibatalkan dalam percakapan ini."
    assert len(sim.calls()) == calls_before  # answered from the record: no Midtrans call at all
    assert cancels_sent(sim, PENDING) == 1
    # Another conversation was never told anything: it reads the status and hears the truth.
    other = ask(PENDING, conversation_id="conv-other")[1]
    assert (other["outcome"], other["transaction_status"]) == ("not_eligible", "cancel")


def test_a_cancel_that_landed_although_its_answer_was_lost_is_already_requested(sim) -> None:
    prompt = ask(PENDING)[1]
    sim.add_fault(kind="latency", delay_seconds=1.0, order_id=PENDING, method="POST", times=1)
    assert decide(prompt["confirmation_id"])[1]["outcome"] == "failed"  # timed out: back to pending
    give_up = time.monotonic() + 5
    while sim.transaction(PENDING)["transaction_status"] != "cancel" and time.monotonic() < give_up:
        time.sleep(0.05)
    status, again = ask(PENDING)
    assert (status, again["outcome"], again["confirmation_id"]) == (200, "already_requested", prompt["confirmation_id"])
    assert cancels_sent(sim, PENDING) == 1


def test_after_a_decline_or_an_expiry_a_new_request_gets_a_new_prompt(sim, aws) -> None:
    declined = ask(PENDING)[1]
    decide(declined["confirmation_id"], "decline")
    after_decline = ask(PENDING)[1]
    assert after_decline["outcome"] == "confirmation_required"
    assert after_decline["confirmation_id"] != declined["confirmation_id"]
    expire(aws["ConfirmationsTable"], after_decline["confirmation_id"])
    after_expiry = ask(PENDING)[1]
    assert after_expiry["confirmation_id"] not in (declined["confirmation_id"], after_decline["confirmation_id"])
    # The expired prompt was made final as the slot moved on: a late "yes" on it is refused, nothing sent.
    status, body = decide(after_decline["confirmation_id"])
    assert (status, body["error"]) == (409, "confirmation_superseded")
    assert decide(after_expiry["confirmation_id"])[1]["outcome"] == "cancelled"
    assert cancels_sent(sim, PENDING) == 1


def test_a_replayed_decision_answers_in_the_locale_it_was_asked_in(sim) -> None:
    prompt = ask(PENDING)[1]
    first = decide(prompt["confirmation_id"])[1]
    status, again = decide(prompt["confirmation_id"], locale="id")
    assert (status, again["replayed"], again["locale"]) == (200, True, "id")
    assert again["message"] == f"Pesanan {PENDING} Anda telah berhasil dibatalkan."
    assert {k: v for k, v in again.items() if k not in ("locale", "message", "replayed")} == {
        k: v for k, v in first.items() if k not in ("locale", "message", "replayed")
    }
    assert cancels_sent(sim, PENDING) == 1


def test_the_turn_guard_comes_after_the_conversation_check(sim) -> None:
    prompt = ask(PENDING, message_id="msg-1")[1]
    status, body = decide(prompt["confirmation_id"], conversation_id="conv-x", message_id="msg-1")
    assert (status, body["error"]) == (403, "confirmation_other_conversation")
    status, body = decide(prompt["confirmation_id"], message_id="msg-1")
    assert (status, body["error"]) == (409, "awaiting_customer_reply")
    assert cancels_sent(sim, PENDING) == 0
