"""Twenty simultaneous "yes" for one confirmation: exactly one cancel reaches Midtrans.

Runs at the action layer with one thread per duplicate (a Lambda handles one event at a time, so
concurrency in production is many environments sharing DynamoDB, which is what the threads model).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from midtrans_native import deps
from midtrans_native.actions.cancel_transaction import decide_cancellation, request_cancellation
from midtrans_native.deadline import Deadline
from midtrans_native.errors import RequestRefused
from midtrans_native.midtrans.core_api import CoreApiClient
from midtrans_native.midtrans.transport import MidtransTransport
from midtrans_native.models.common import Caller
from midtrans_native.models.confirmations import CancellationRequest, DecisionRequest
from midtrans_native.models.midtrans import MidtransCredentials

from .conftest import cancels_sent

CALLER = Caller(cid="tenant-demo", role="ai_agent", plan="ultimate")
DUPLICATES = 20


def test_twenty_concurrent_confirms_send_exactly_one_cancel(sim, serialized_dynamodb) -> None:
    def core_api(credentials: MidtransCredentials) -> CoreApiClient:
        # One session per call, as separate Lambda environments would have.
        return CoreApiClient(MidtransTransport(requests.Session(), sim.base_url, credentials, Deadline(20)))

    connections = deps.connection_store()
    confirmations = deps.confirmation_store()
    prompt = request_cancellation(
        CancellationRequest(conversation_id="conv-race", order_id="ORDER-PENDING-001"),
        CALLER,
        connections=connections,
        core_api=core_api,
        confirmations=confirmations,
        ttl_seconds=300,
    )
    assert prompt.confirmation_id
    start = threading.Barrier(DUPLICATES)

    def yes() -> str:
        start.wait()
        try:
            answer = decide_cancellation(
                DecisionRequest(
                    confirmation_id=prompt.confirmation_id or "", decision="confirm", conversation_id="conv-race"
                ),
                CALLER,
                connections=connections,
                core_api=core_api,
                confirmations=confirmations,
            )
        except RequestRefused as refused:
            return f"{refused.http_status}:{refused.error}:{refused.headers.get('Retry-After')}"
        return f"{answer.outcome}:{'replayed' if answer.replayed else 'first'}"

    with ThreadPoolExecutor(DUPLICATES) as pool:
        results = list(pool.map(lambda _: yes(), range(DUPLICATES)))

    assert cancels_sent(sim, "ORDER-PENDING-001") == 1
    assert results.count("cancelled:first") == 1
    # Every other duplicate either replayed the result or was told to retry shortly: never a second cancel.
    assert set(results) <= {"cancelled:first", "cancelled:replayed", "409:decision_in_progress:2"}
    assert sim.transaction("ORDER-PENDING-001")["transaction_status"] == "cancel"
