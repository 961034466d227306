"""The answer's deadline counts from API Gateway's receipt of the request (its timeEpoch), through the handler."""

from __future__ import annotations

import time

from midtrans_local.simulator import MidtransSimulator
from tests.conftest import load_event
from tests.integration.conftest import invoke


def status_reads(sim: MidtransSimulator) -> int:
    return sum(1 for call in sim.calls() if call["path"].endswith("/status"))


def test_a_request_received_24_2_s_ago_answers_timeout_without_calling_midtrans(sim: MidtransSimulator) -> None:
    event = load_event("check_payment_status.settlement")
    event["requestContext"]["timeEpoch"] = int((time.time() - 24.2) * 1000)
    before = status_reads(sim)
    status, body = invoke("check_payment_status", event)
    assert status == 200, body
    assert (body["outcome"], body["failure_reason"]) == ("failed", "timeout")
    assert status_reads(sim) == before


def test_a_fresh_request_has_the_whole_budget(sim: MidtransSimulator) -> None:
    event = load_event("check_payment_status.settlement")
    event["requestContext"]["timeEpoch"] = int(time.time() * 1000)
    status, body = invoke("check_payment_status", event)
    assert (status, body["outcome"]) == (200, "ok")
