"""Concurrent refund requests in one conversation for one order: at most one prompt can ever be confirmed.

The old pointer was a plain put after the record: twenty identical requests made up to twenty confirmable prompts
(each a partial refund that fits the remainder could be sent). Now the slot moves by compare-and-set (D28)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from midtrans_native import deps
from midtrans_native.actions.request_refund import decide_refund, refund_key_for, request_refund
from midtrans_native.errors import RequestRefused
from midtrans_native.models.common import Caller
from midtrans_native.models.confirmations import RefundDecisionRequest, RefundRequest
from midtrans_native.stores.confirmations import Confirmation, ConfirmationStore
from tests.integration.cancel.conftest import confirmations_for

from .conftest import refunds_sent

CALLER = Caller(cid="tenant-demo", role="ai_agent", plan="ultimate")
CARD = "ORDER-SETTLEMENT-CARD-001"  # gross 250,000
REQUESTS = 20


def race(core_api, amounts: list[int]) -> list[str]:
    """Every amount asked at once; the confirmation ids shown (or the refusal's code)."""
    start = threading.Barrier(len(amounts))

    def ask(amount: int) -> str:
        start.wait()
        try:
            answer = request_refund(
                RefundRequest(conversation_id="conv-race", order_id=CARD, amount=amount),
                CALLER,
                connections=deps.connection_store(),
                core_api=core_api,
                confirmations=deps.confirmation_store(),
                ttl_seconds=300,
            )
        except RequestRefused as refused:
            return f"{refused.http_status}:{refused.error}"
        assert answer.outcome == "confirmation_required", answer
        assert answer.amount == amount
        return answer.confirmation_id or ""

    with ThreadPoolExecutor(len(amounts)) as pool:
        return list(pool.map(ask, amounts))


def confirm_all(core_api, ids: set[str]) -> list[str]:
    outcomes = []
    for confirmation_id in sorted(ids):
        try:
            answer = decide_refund(
                RefundDecisionRequest(confirmation_id=confirmation_id, decision="confirm", conversation_id="conv-race"),
                CALLER,
                connections=deps.connection_store(),
                core_api=core_api,
                confirmations=deps.confirmation_store(),
                send_refund=deps.refund_sender(),
            )
        except RequestRefused as refused:
            outcomes.append(f"{refused.http_status}:{refused.error}")
        else:
            outcomes.append(answer.outcome)
    return outcomes


def test_twenty_identical_requests_share_one_prompt(sim, aws, core_api, serialized_dynamodb) -> None:
    shown = set(race(core_api, [50000] * REQUESTS))
    assert len(shown) == 1
    records = confirmations_for(aws["ConfirmationsTable"], "refund", "conv-race", CARD)
    assert [r["confirmation_id"] for r in records if r["state"] == "pending"] == list(shown)
    assert confirm_all(core_api, shown) == ["refunded"]
    assert [c["request_body"]["amount"] for c in refunds_sent(sim, CARD)] == [50000]


def test_racing_amounts_leave_one_confirmable_prompt(sim, aws, core_api, serialized_dynamodb) -> None:
    results = race(core_api, [50000, 60000] * (REQUESTS // 2))
    shown = {r for r in results if ":" not in r}
    assert shown and set(results) - shown <= {"409:decision_in_progress"}  # a loser may be told to retry
    records = confirmations_for(aws["ConfirmationsTable"], "refund", "conv-race", CARD)
    pending = [r["confirmation_id"] for r in records if r["state"] == "pending"]
    assert len(pending) == 1 and {r["state"] for r in records} == {"pending", "superseded"}
    # The agent tries every id it was shown: one refund, every other prompt refused as superseded.
    outcomes = confirm_all(core_api, shown)
    assert sorted(outcomes) == sorted(["refunded"] + ["409:confirmation_superseded"] * (len(shown) - 1))
    assert len(refunds_sent(sim, CARD)) == 1


def test_a_yes_tried_between_the_slot_read_and_the_replacement_keeps_its_prompt(core_api, aws) -> None:
    """Another amount is asked; while that request reads Midtrans, the open prompt is answered "yes" and the refund
    times out (back to pending, attempts 1: it may still land). The replacement must fail at its write, whatever the
    request read before: two confirmable prompts for one order could refund twice."""
    first = request_refund(
        RefundRequest(conversation_id="conv-late-yes", order_id=CARD, amount=50_000),
        CALLER,
        connections=deps.connection_store(),
        core_api=core_api,
        confirmations=deps.confirmation_store(),
        ttl_seconds=300,
    )
    assert first.confirmation_id is not None

    class YesMeanwhile(ConfirmationStore):
        def supersede(self, confirmation_id: str) -> bool:
            assert confirmation_id == first.confirmation_id
            claimed = self.claim(confirmation_id, cid=CALLER.cid, conversation_id="conv-late-yes", lease_seconds=35)
            assert isinstance(claimed, Confirmation)
            self.release(confirmation_id, "timeout")  # the "yes" ended with an unknown outcome
            return super().supersede(confirmation_id)

    racing = YesMeanwhile(deps.dynamodb_client(), deps.get_settings().confirmations_table_name)
    with pytest.raises(RequestRefused) as refused:
        request_refund(
            RefundRequest(conversation_id="conv-late-yes", order_id=CARD, amount=60_000),
            CALLER,
            connections=deps.connection_store(),
            core_api=core_api,
            confirmations=racing,
            ttl_seconds=300,
        )
    assert (refused.value.http_status, refused.value.error) == (409, "decision_in_progress")
    kept = deps.confirmation_store().get(first.confirmation_id)
    assert kept is not None and (kept.state, kept.attempts) == ("pending", 1)
    records = confirmations_for(aws["ConfirmationsTable"], "refund", "conv-late-yes", CARD)
    assert records == [{"confirmation_id": first.confirmation_id, "state": "pending"}]  # no second prompt


def test_a_refund_that_landed_after_its_prompt_expired_is_the_one_asked_for(core_api, aws) -> None:
    """A "yes" timed out (pending again, attempts 1) and its refund reached Midtrans late; the prompt has expired
    since. Asking again in the conversation is told it was done, not given a prompt for a second refund."""
    clock = [0.0]  # seconds ahead of the wall clock
    store = ConfirmationStore(
        deps.dynamodb_client(), deps.get_settings().confirmations_table_name, clock=lambda: time.time() + clock[0]
    )
    ask = RefundRequest(conversation_id="conv-late-refund", order_id=CARD, amount=50_000)
    first = request_refund(
        ask, CALLER, connections=deps.connection_store(), core_api=core_api, confirmations=store, ttl_seconds=300
    )
    assert first.confirmation_id is not None
    assert isinstance(
        store.claim(first.confirmation_id, cid=CALLER.cid, conversation_id=ask.conversation_id, lease_seconds=35),
        Confirmation,
    )
    store.release(first.confirmation_id, "timeout")
    credentials = deps.connection_store().credentials(CALLER.cid)[1]  # type: ignore[index]
    key = refund_key_for(CALLER.cid, first.confirmation_id)
    core_api(credentials).refund(CARD, refund_key=key, amount=50_000, reason=None)  # the late landing
    clock[0] += 301  # the prompt has expired
    again = request_refund(
        RefundRequest(conversation_id="conv-late-refund", order_id=CARD, amount=60_000),
        CALLER,
        connections=deps.connection_store(),
        core_api=core_api,
        confirmations=store,
        ttl_seconds=300,
    )
    assert (again.outcome, again.confirmation_id) == ("already_requested", first.confirmation_id)
