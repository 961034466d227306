"""Confirmation rules without AWS: the order of a decision's refusals, and replays re-rendered in the asking locale."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from midtrans_native.actions import cancel_transaction as cancel
from midtrans_native.actions import request_refund as refund
from midtrans_native.actions.common import replay_or_refuse
from midtrans_native.errors import RequestRefused
from midtrans_native.stores.confirmations import Confirmation, Refusal, decision_refusal
from tests.unit.fakes import confirmation

NOW = 1_800_000_000.0
PENDING = confirmation(expires_at=NOW + 300)
EXPIRED = NOW - 1


@pytest.mark.parametrize(
    ("changes", "cid", "conversation", "reason"),
    [
        ({}, "t", "conv", None),
        ({}, "other-tenant", "conv", "not_found"),
        ({"state": "done", "result": {"outcome": "refunded"}}, "other-tenant", "conv", "not_found"),
        ({"state": "done", "result": {"outcome": "refunded"}}, "t", "other", "other_conversation"),
        ({"expires_at": EXPIRED}, "t", "other", "other_conversation"),
        ({"state": "done", "result": {"outcome": "refunded"}, "expires_at": EXPIRED}, "t", "conv", "decided"),
        ({"state": "declined", "result": {"outcome": "declined"}}, "t", "conv", "decided"),
        ({"state": "superseded", "expires_at": EXPIRED}, "t", "conv", "superseded"),
        ({"expires_at": EXPIRED}, "t", "conv", "expired"),
        ({"state": "executing", "lease_until": NOW + 30}, "t", "conv", "in_progress"),
        ({"state": "executing", "lease_until": NOW - 1}, "t", "conv", None),  # a dead execution: a claim may take it
    ],
)
def test_refusals_come_in_order(changes: dict[str, Any], cid: str, conversation: str, reason: str | None) -> None:
    refusal = decision_refusal(replace(PENDING, **changes), cid, conversation, NOW)
    assert (refusal.reason if refusal else None) == reason


def test_superseded_is_a_409_with_its_own_code() -> None:
    with pytest.raises(RequestRefused) as refused:
        replay_or_refuse(Refusal("superseded", replace(PENDING, state="superseded")), "id", refund._rerender)
    assert (refused.value.http_status, refused.value.error) == (409, "confirmation_superseded")


def _stored(answer: Any) -> Confirmation:
    return replace(PENDING, state="done", result=answer.model_dump(mode="json"))


@pytest.mark.parametrize(
    "make",
    [
        lambda locale: refund._refunded(PENDING, "mna-key", "refund", locale),
        lambda locale: refund._not_eligible(PENDING, "partial_refund", locale),
        lambda locale: refund._answer(PENDING, "declined", refund.render(refund.Msg.REFUND_DECLINED, locale), locale),
    ],
    ids=["refunded", "not_eligible", "declined"],
)
def test_a_refund_replay_is_the_first_answer_in_the_asking_locale(make: Any) -> None:
    first, in_indonesian = make("en"), make("id")
    replay = replay_or_refuse(Refusal("decided", _stored(first)), "id", refund._rerender)
    assert replay == {**in_indonesian.model_dump(mode="json"), "replayed": True}


@pytest.mark.parametrize(
    "make",
    [
        lambda locale: cancel._cancelled(replace(PENDING, action="cancel"), locale),
        lambda locale: cancel._not_eligible(replace(PENDING, action="cancel"), "settlement", locale),
        lambda locale: cancel._answer(PENDING, "declined", cancel.render(cancel.Msg.CANCEL_DECLINED, locale), locale),
    ],
    ids=["cancelled", "not_eligible", "declined"],
)
def test_a_cancel_replay_is_the_first_answer_in_the_asking_locale(make: Any) -> None:
    first, in_indonesian = make("id"), make("en")
    replay = replay_or_refuse(Refusal("decided", _stored(first)), "en", cancel._rerender)
    assert replay == {**in_indonesian.model_dump(mode="json"), "replayed": True}


def test_an_unknown_stored_outcome_is_replayed_as_stored() -> None:
    stored = replace(PENDING, state="done", result={"outcome": "something_new", "message": "as it was", "locale": "en"})
    replay = replay_or_refuse(Refusal("decided", stored), "id", refund._rerender)
    assert replay == {"outcome": "something_new", "message": "as it was", "locale": "en", "replayed": True}
