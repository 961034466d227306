"""The confirmation state machine on moto, with a controllable clock: leases, expiry, release, replay."""

from __future__ import annotations

import pytest

from midtrans_native import deps
from midtrans_native.stores.confirmations import DONE_WINDOW_SECONDS, Confirmation, ConfirmationStore, Refusal


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(aws, clock: Clock) -> ConfirmationStore:
    return ConfirmationStore(deps.dynamodb_client(), aws["ConfirmationsTable"], clock=clock)


def new(store: ConfirmationStore) -> Confirmation:
    return store.create(
        cid="t1",
        conversation_id="c1",
        action="cancel",
        order_id="O-1",
        transaction_id="tx-1",
        amount=None,
        locale="en",
        ttl_seconds=300,
    )


WHO = {"cid": "t1", "conversation_id": "c1"}


def test_one_claim_wins_and_the_next_is_told_it_is_in_progress(store: ConfirmationStore) -> None:
    confirmation = new(store)
    won = store.claim(confirmation.confirmation_id, **WHO, lease_seconds=35)
    assert isinstance(won, Confirmation) and won.state == "executing" and won.attempts == 1
    lost = store.claim(confirmation.confirmation_id, **WHO, lease_seconds=35)
    assert isinstance(lost, Refusal) and lost.reason == "in_progress"


def test_a_dead_executions_lease_can_be_taken_over_inside_the_expiry(store: ConfirmationStore, clock: Clock) -> None:
    confirmation = new(store)
    store.claim(confirmation.confirmation_id, **WHO, lease_seconds=35)
    clock.now += 36  # the first Lambda died without completing or releasing
    again = store.claim(confirmation.confirmation_id, **WHO, lease_seconds=35)
    assert isinstance(again, Confirmation) and again.attempts == 2


def test_nothing_can_be_claimed_after_expiry_even_if_the_record_is_still_there(
    store: ConfirmationStore, clock: Clock
) -> None:
    confirmation = new(store)
    clock.now += 301
    refused = store.claim(confirmation.confirmation_id, **WHO, lease_seconds=35)
    assert isinstance(refused, Refusal) and refused.reason == "expired"
    assert store.get(confirmation.confirmation_id) is not None  # TTL has not deleted it: the read checked


def test_release_returns_to_pending_and_complete_keeps_the_result(store: ConfirmationStore) -> None:
    confirmation = new(store)
    store.claim(confirmation.confirmation_id, **WHO, lease_seconds=35)
    store.release(confirmation.confirmation_id, "timeout")
    assert store.get(confirmation.confirmation_id).state == "pending"  # type: ignore[union-attr]
    store.claim(confirmation.confirmation_id, **WHO, lease_seconds=35)
    store.complete(confirmation.confirmation_id, {"outcome": "cancelled"})
    refused = store.claim(confirmation.confirmation_id, **WHO, lease_seconds=35)
    assert isinstance(refused, Refusal) and refused.reason == "decided"
    assert refused.confirmation is not None and refused.confirmation.result == {"outcome": "cancelled"}


def test_decided_results_replay_even_after_expiry(store: ConfirmationStore, clock: Clock) -> None:
    confirmation = new(store)
    store.decline(confirmation.confirmation_id, **WHO, result={"outcome": "declined"})
    clock.now += 10_000
    refused = store.claim(confirmation.confirmation_id, **WHO, lease_seconds=35)
    assert isinstance(refused, Refusal) and refused.reason == "decided"


def test_an_executing_confirmation_cannot_be_declined(store: ConfirmationStore) -> None:
    confirmation = new(store)
    store.claim(confirmation.confirmation_id, **WHO, lease_seconds=35)
    refused = store.decline(confirmation.confirmation_id, **WHO, result={"outcome": "declined"})
    assert isinstance(refused, Refusal) and refused.reason == "in_progress"


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ({"cid": "t2", "conversation_id": "c1"}, "not_found"),
        ({"cid": "t1", "conversation_id": "c2"}, "other_conversation"),
    ],
)
def test_only_the_same_tenant_and_conversation_can_claim(store: ConfirmationStore, who: dict, reason: str) -> None:
    confirmation = new(store)
    refused = store.claim(confirmation.confirmation_id, **who, lease_seconds=35)
    assert isinstance(refused, Refusal) and refused.reason == reason
    if reason == "not_found":
        assert refused.confirmation is None  # another tenant's record is not shown to it
    assert store.get(confirmation.confirmation_id).state == "pending"  # type: ignore[union-attr]


def test_complete_refuses_a_record_that_is_not_executing(store: ConfirmationStore) -> None:
    from botocore.exceptions import ClientError

    confirmation = new(store)
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        store.complete(confirmation.confirmation_id, {"outcome": "cancelled"})


# ---- superseding and the slot (one open prompt per tenant, conversation, action, order) -------------------

SLOT = {"cid": "t1", "conversation_id": "c1", "action": "cancel", "order_id": "O-1"}
PROMPT = {"transaction_id": "tx-1", "amount": None, "locale": "en", "ttl_seconds": 300}


def test_a_superseded_confirmation_can_be_neither_claimed_nor_declined(store: ConfirmationStore) -> None:
    confirmation = new(store)
    assert store.supersede(confirmation.confirmation_id) is True
    claimed = store.claim(confirmation.confirmation_id, **WHO, lease_seconds=35)
    declined = store.decline(confirmation.confirmation_id, **WHO, result={"outcome": "declined"})
    assert isinstance(claimed, Refusal) and claimed.reason == "superseded"
    assert isinstance(declined, Refusal) and declined.reason == "superseded"
    assert store.get(confirmation.confirmation_id).state == "superseded"  # type: ignore[union-attr]


def test_only_a_pending_confirmation_can_be_superseded(store: ConfirmationStore) -> None:
    claimed = new(store)
    store.claim(claimed.confirmation_id, **WHO, lease_seconds=35)
    assert store.supersede(claimed.confirmation_id) is False  # its "yes" is being carried out
    assert store.get(claimed.confirmation_id).state == "executing"  # type: ignore[union-attr]
    declined = new(store)
    store.decline(declined.confirmation_id, **WHO, result={"outcome": "declined"})
    assert store.supersede(declined.confirmation_id) is False
    assert store.supersede("00000000-0000-4000-8000-000000000000") is False  # no such record: nothing created
    assert store.get("00000000-0000-4000-8000-000000000000") is None


def test_an_open_prompt_answered_yes_with_an_unknown_outcome_is_never_superseded(
    store: ConfirmationStore, clock: Clock
) -> None:
    """Back to pending after a timeout, its refund or cancel may still land: whoever read it before the "yes" cannot
    replace it now (the condition is checked at the write). Past its expiry it can no longer be claimed: then it may."""
    tried = new(store)
    store.claim(tried.confirmation_id, **WHO, lease_seconds=35)
    store.release(tried.confirmation_id, "timeout")
    assert store.supersede(tried.confirmation_id) is False
    assert store.get(tried.confirmation_id).state == "pending"  # type: ignore[union-attr]
    clock.now += 301
    assert store.supersede(tried.confirmation_id) is True
    untried = new(store)
    assert store.supersede(untried.confirmation_id) is True  # never answered: a newer prompt may replace it


def test_the_slot_moves_only_from_what_it_was_read_as(store: ConfirmationStore) -> None:
    empty = store.slot(**SLOT)
    assert empty.target is None and empty.confirmation is None
    first = store.open_prompt(empty, **SLOT, **PROMPT)
    assert first is not None
    late = store.open_prompt(empty, **SLOT, **PROMPT)  # read the slot before `first` took it
    assert late is None
    now = store.slot(**SLOT)
    assert now.target == first.confirmation_id and now.open(store.now()) == first
    # The loser's record exists but was superseded before its id was returned: nobody can confirm it.
    superseded = [c for c in _all_cancel_records(store) if c.confirmation_id != first.confirmation_id]
    assert [c.state for c in superseded] == ["superseded"]
    second = store.open_prompt(now, **SLOT, **PROMPT)  # from the current read it moves
    assert second is not None and store.slot(**SLOT).target == second.confirmation_id


def test_the_done_window_counts_from_completion_and_ends_with_a_newer_prompt(
    store: ConfirmationStore, clock: Clock
) -> None:
    first = store.open_prompt(store.slot(**SLOT), **SLOT, **PROMPT)
    assert first is not None
    store.claim(first.confirmation_id, **WHO, lease_seconds=35)
    clock.now += 60  # the window counts from completion, not from the prompt
    store.complete(first.confirmation_id, {"outcome": "cancelled"})
    slot = store.slot(**SLOT)
    assert slot.done(clock.now, "cancelled") == store.get(first.confirmation_id)
    assert slot.done(clock.now + DONE_WINDOW_SECONDS - 1, "cancelled") is not None
    assert slot.done(clock.now, "refunded") is None and slot.done(clock.now + DONE_WINDOW_SECONDS, "cancelled") is None
    newer = store.open_prompt(slot, **SLOT, **PROMPT)
    assert newer is not None
    assert store.slot(**SLOT).done(clock.now, "cancelled") is None  # the slot names the newer prompt now


def _all_cancel_records(store: ConfirmationStore) -> list[Confirmation]:
    items = deps.dynamodb_client().scan(TableName=store._table)["Items"]
    return [store.get(item["confirmation_id"]["S"]) for item in items if "state" in item]  # type: ignore[misc]
