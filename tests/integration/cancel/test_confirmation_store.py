"""The confirmation state machine on moto, with a controllable clock: leases, expiry, release, replay."""

from __future__ import annotations

import pytest

from midtrans_native import deps
from midtrans_native.stores.confirmations import Confirmation, ConfirmationStore, Refusal


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
    assert (
        isinstance(refused, Refusal) and refused.reason == reason and refused.confirmation is None
    ) or reason != "not_found"
    assert store.get(confirmation.confirmation_id).state == "pending"  # type: ignore[union-attr]


def test_complete_refuses_a_record_that_is_not_executing(store: ConfirmationStore) -> None:
    from botocore.exceptions import ClientError

    confirmation = new(store)
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        store.complete(confirmation.confirmation_id, {"outcome": "cancelled"})
