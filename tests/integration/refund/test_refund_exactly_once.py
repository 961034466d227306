"""Exactly one refund per confirmation under duplicates, concurrency, crashes, and the idempotency layer."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyValidationError

from midtrans_native import deps
from midtrans_native.actions.refund_sender import RefundCommand
from midtrans_native.actions.request_refund import decide_refund, refund_key_for, request_refund
from midtrans_native.errors import RequestRefused
from midtrans_native.midtrans.core_api import CoreApiClient
from midtrans_native.models.common import Caller
from midtrans_native.models.confirmations import RefundDecisionRequest, RefundRequest
from midtrans_native.stores.confirmations import ConfirmationStore
from tests.conftest import FakeLambdaContext

from .conftest import refunds_sent

CALLER = Caller(cid="tenant-demo", role="ai_agent", plan="ultimate")
ORDER = "ORDER-SETTLEMENT-GOPAY-001"


def prompt(core_api, confirmations: ConfirmationStore | None = None, conversation_id: str = "conv-x") -> str:
    answer = request_refund(
        RefundRequest(conversation_id=conversation_id, order_id=ORDER),
        CALLER,
        connections=deps.connection_store(),
        core_api=core_api,
        confirmations=confirmations or deps.confirmation_store(),
        ttl_seconds=300,
    )
    assert answer.confirmation_id
    return answer.confirmation_id


def yes(confirmation_id: str, core_api, confirmations: Any = None, conversation_id: str = "conv-x"):
    return decide_refund(
        RefundDecisionRequest(confirmation_id=confirmation_id, decision="confirm", conversation_id=conversation_id),
        CALLER,
        connections=deps.connection_store(),
        core_api=core_api,
        confirmations=confirmations or deps.confirmation_store(),
        send_refund=deps.refund_sender(),
    )


def test_hundred_concurrent_confirms_make_exactly_one_refund(sim, core_api, serialized_dynamodb) -> None:
    confirmation_id = prompt(core_api)
    duplicates = 100
    start = threading.Barrier(duplicates)

    def one() -> str:
        start.wait()
        try:
            answer = yes(confirmation_id, core_api)
        except RequestRefused as refused:
            return f"{refused.http_status}:{refused.error}:{refused.headers.get('Retry-After')}"
        return f"{answer.outcome}:{'replayed' if answer.replayed else 'first'}"

    began = time.perf_counter()
    with ThreadPoolExecutor(duplicates) as pool:
        results = list(pool.map(lambda _: one(), range(duplicates)))
    elapsed = time.perf_counter() - began

    assert len(refunds_sent(sim, ORDER)) == 1
    assert len(sim.transaction(ORDER)["refunds"]) == 1
    assert results.count("refunded:first") == 1
    assert set(results) <= {"refunded:first", "refunded:replayed", "409:decision_in_progress:2"}  # never a 5xx
    print(
        f"\n100 concurrent confirms: {elapsed:.2f}s, "
        f"{results.count('409:decision_in_progress:2')} told to retry, {results.count('refunded:replayed')} replayed"
    )


class CrashOnComplete(ConfirmationStore):
    """The Lambda dies after Midtrans accepted the refund, before the confirmation records the result."""

    def __init__(self, inner: ConfirmationStore, crash: type[BaseException]) -> None:
        self.__dict__.update(inner.__dict__)
        self.crash = crash
        self.crashed = False

    def complete(self, confirmation_id: str, result: dict[str, Any]) -> None:
        if not self.crashed:
            self.crashed = True
            raise self.crash("killed before saving")
        super().complete(confirmation_id, result)


def test_crash_after_midtrans_accepted_then_retry_keeps_one_refund(sim, core_api, monkeypatch) -> None:
    """Midtrans accepted the refund, then the process failed before anything was saved: Powertools deletes its
    in-progress record (the call raised) and the confirmation goes back to pending. The retry must not refund
    again: the status read finds our refund_key, and Midtrans would answer 406 to the same key anyway."""
    from midtrans_native.actions import refund_sender

    real_send = refund_sender.send_refund
    crashed: list[bool] = []

    def send_then_crash(*, command: RefundCommand, client: CoreApiClient):
        recorded = real_send(command=command, client=client)
        if not crashed:
            crashed.append(True)
            raise RuntimeError("process died after Midtrans accepted")
        return recorded

    monkeypatch.setattr(refund_sender, "send_refund", send_then_crash)
    deps.reset()  # rebuild the idempotent sender around the crashing function
    deps.refund_idempotency_config().register_lambda_context(FakeLambdaContext())
    confirmation_id = prompt(core_api)
    with pytest.raises(RuntimeError):
        yes(confirmation_id, core_api)
    assert deps.confirmation_store().get(confirmation_id).state == "pending"  # type: ignore[union-attr]
    answer = yes(confirmation_id, core_api)
    assert answer.outcome == "refunded"
    key = refund_key_for("tenant-demo", confirmation_id)
    assert [call["request_body"] for call in refunds_sent(sim, ORDER)] == [{"refund_key": key, "amount": 150000}]
    assert len(sim.transaction(ORDER)["refunds"]) == 1


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_a_killed_lambda_is_taken_over_after_its_lease_without_a_second_refund(sim, core_api, aws) -> None:
    clock = Clock()
    store = ConfirmationStore(deps.dynamodb_client(), aws["ConfirmationsTable"], clock=clock)
    killed = CrashOnComplete(store, KeyboardInterrupt)  # not an Exception: nothing releases the record
    confirmation_id = prompt(core_api, killed)
    with pytest.raises(KeyboardInterrupt):
        yes(confirmation_id, core_api, killed)
    with pytest.raises(RequestRefused) as busy:  # the lease still holds: come back later
        yes(confirmation_id, core_api, killed)
    assert busy.value.http_status == 409
    clock.now += 36  # past the 35 s lease
    answer = yes(confirmation_id, core_api, killed)
    assert answer.outcome == "refunded"
    assert len(refunds_sent(sim, ORDER)) == 1 and len(sim.transaction(ORDER)["refunds"]) == 1


def test_powertools_refuses_the_same_key_with_another_amount_and_replays_the_same(sim, core_api) -> None:
    sender = deps.refund_sender()
    client = core_api(deps.connection_store().credentials("tenant-demo")[1])  # type: ignore[index]
    command = RefundCommand(refund_key="mna-direct-test", order_id=ORDER, transaction_ref=ORDER, amount=1000)
    first = sender(command=command, client=client)
    assert sender(command=command, client=client) == first  # replayed from the idempotency record
    with pytest.raises(IdempotencyValidationError):
        sender(command=command.model_copy(update={"amount": 2000}), client=client)
    assert len(refunds_sent(sim, ORDER)) == 1
