"""Twenty simultaneous cancel requests in one conversation for one order: one prompt, the same for all.

Without the slot's compare-and-set every request made its own confirmation, each confirmable (D28)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from midtrans_native import deps
from midtrans_native.actions.cancel_transaction import request_cancellation
from midtrans_native.deadline import Deadline
from midtrans_native.midtrans.core_api import CoreApiClient
from midtrans_native.midtrans.transport import MidtransTransport
from midtrans_native.models.common import Caller
from midtrans_native.models.confirmations import CancellationRequest
from midtrans_native.models.midtrans import MidtransCredentials

from .conftest import cancels_sent, confirmations_for

CALLER = Caller(cid="tenant-demo", role="ai_agent", plan="ultimate")
ORDER = "ORDER-PENDING-001"
REQUESTS = 20


def test_twenty_concurrent_cancel_requests_share_one_prompt(sim, aws, serialized_dynamodb) -> None:
    def core_api(credentials: MidtransCredentials) -> CoreApiClient:
        return CoreApiClient(MidtransTransport(requests.Session(), sim.base_url, credentials, Deadline(20)))

    connections, confirmations = deps.connection_store(), deps.confirmation_store()
    start = threading.Barrier(REQUESTS)

    def ask() -> str:
        start.wait()
        answer = request_cancellation(
            CancellationRequest(conversation_id="conv-race", order_id=ORDER),
            CALLER,
            connections=connections,
            core_api=core_api,
            confirmations=confirmations,
            ttl_seconds=300,
        )
        assert answer.outcome == "confirmation_required", answer
        return answer.confirmation_id or ""

    with ThreadPoolExecutor(REQUESTS) as pool:
        ids = list(pool.map(lambda _: ask(), range(REQUESTS)))

    [shown] = set(ids)
    records = confirmations_for(aws["ConfirmationsTable"], "cancel", "conv-race", ORDER)
    # Records whose slot write lost were superseded before their id was shown to anyone.
    assert [r["confirmation_id"] for r in records if r["state"] == "pending"] == [shown]
    assert {r["state"] for r in records} <= {"pending", "superseded"}
    assert cancels_sent(sim, ORDER) == 0
