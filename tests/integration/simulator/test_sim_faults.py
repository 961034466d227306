"""Injected faults: every kind, matching, use-up, and the HTTP control API for them."""

from __future__ import annotations

import json
import time

import pytest
import requests

from midtrans_local.simulator import transaction_id_for

DELAY = 0.2


def test_latency_answers_normally_after_the_delay(api, sim):
    sim.add_fault(kind="latency", delay_seconds=DELAY)

    started = time.monotonic()
    body = api.status("ORDER-SETTLEMENT-GOPAY-001")
    elapsed = time.monotonic() - started

    assert elapsed >= DELAY
    assert body["transaction_status"] == "settlement"
    assert sim.calls()[-1]["fault"] == "latency"


def test_latency_on_a_refund_still_applies_the_refund(api, sim):
    # A client that gives up before the delay ends never learns the refund happened.
    sim.add_fault(kind="latency", delay_seconds=DELAY, method="POST")

    with pytest.raises(requests.Timeout):
        requests.post(
            f"{sim.base_url}/v2/ORDER-SETTLEMENT-GOPAY-001/refund",
            json={"refund_key": "slow-1"},
            auth=(sim.server_keys[0], ""),
            timeout=DELAY / 4,
        )
    sim.clear_faults()

    # The server is still sleeping on the refund; poll until it lands so it cannot leak into the
    # next test's fresh state.
    deadline = time.monotonic() + 5
    while api.status("ORDER-SETTLEMENT-GOPAY-001")["transaction_status"] != "refund":
        assert time.monotonic() < deadline, "the delayed refund was never applied"
        time.sleep(0.02)


def test_status_429_carries_retry_after_and_a_core_body(api, sim):
    sim.add_fault(kind="status", status=429, retry_after=3)

    response = api.get("/v2/ORDER-SETTLEMENT-GOPAY-001/status")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.json()["status_code"] == "429"


def test_status_503_without_retry_after_has_no_header(api, sim):
    sim.add_fault(kind="status", status=503)

    response = api.get("/v2/ORDER-SETTLEMENT-GOPAY-001/status")

    assert response.status_code == 503
    assert "Retry-After" not in response.headers
    assert response.json()["status_code"] == "503"


def test_status_fault_on_payment_links_uses_error_messages(api, sim):
    sim.add_fault(kind="status", status=500)

    response = api.get("/v1/payment-links/ANY")

    assert response.status_code == 500
    assert isinstance(response.json()["error_messages"], list)


def test_a_status_fault_stops_the_request_before_midtrans(api, sim):
    sim.add_fault(kind="status", status=500, times=1)

    assert api.post("/v2/ORDER-PENDING-001/cancel").status_code == 500

    assert api.status("ORDER-PENDING-001")["transaction_status"] == "pending"


def test_a_processed_drop_loses_the_answer_but_keeps_the_refund(api, sim):
    sim.add_fault(kind="drop", times=1, processed=True)

    with pytest.raises(requests.ConnectionError):
        api.post("/v2/ORDER-SETTLEMENT-GOPAY-001/refund", {"refund_key": "lost-answer"})

    stored = api.status("ORDER-SETTLEMENT-GOPAY-001")
    assert stored["transaction_status"] == "refund"
    assert api.refund("ORDER-SETTLEMENT-GOPAY-001", refund_key="lost-answer")["status_code"] == "406"


def test_malformed_is_http_200_with_a_body_that_is_not_json(api, sim):
    sim.add_fault(kind="malformed")

    response = api.get("/v2/ORDER-SETTLEMENT-GOPAY-001/status")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


@pytest.mark.parametrize(("status", "default"), [(404, False), (None, True)])
def test_html_faults_answer_an_html_page(api, sim, status, default):
    sim.add_fault(kind="html", status=status)

    response = api.post("/v2/ORDER-PENDING-001/cancel")

    assert response.status_code == (502 if default else status)
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.lstrip().startswith("<html>")


def test_drop_closes_the_connection_without_an_answer(api, sim):
    sim.add_fault(kind="drop")

    with pytest.raises(requests.ConnectionError):
        api.get("/v2/ORDER-SETTLEMENT-GOPAY-001/status")

    assert sim.calls()[-1]["status"] == 0
    assert sim.calls()[-1]["fault"] == "drop"


def test_times_one_is_used_up_by_the_first_matching_request(api, sim):
    sim.add_fault(kind="status", status=503, times=1)

    first = api.get("/v2/ORDER-SETTLEMENT-GOPAY-001/status")
    second = api.get("/v2/ORDER-SETTLEMENT-GOPAY-001/status")

    assert first.status_code == 503
    assert second.status_code == 200
    assert sim.faults() == []


def test_times_two_then_healthy(api, sim):
    sim.add_fault(kind="status", status=429, times=2)

    codes = [api.get("/v2/ORDER-PENDING-001/status").status_code for _ in range(3)]

    assert codes == [429, 429, 200]


def test_per_order_fault_leaves_other_orders_alone_and_matches_by_transaction_id(api, sim):
    sim.add_fault(kind="status", status=500, order_id="ORDER-PENDING-001")

    other = api.get("/v2/ORDER-SETTLEMENT-GOPAY-001/status")
    by_order = api.get("/v2/ORDER-PENDING-001/status")
    by_transaction_id = api.get(f"/v2/{transaction_id_for('ORDER-PENDING-001')}/status")

    assert other.status_code == 200
    assert by_order.status_code == 500
    assert by_transaction_id.status_code == 500


def test_global_fault_hits_every_order_and_payment_links(api, sim):
    sim.add_fault(kind="status", status=502)

    assert api.get("/v2/ORDER-PENDING-001/status").status_code == 502
    assert api.get("/v2/ORDER-DENY-001/status").status_code == 502
    assert api.post("/v1/payment-links", {"transaction_details": {"order_id": "L-1"}}).status_code == 502


def test_per_order_fault_matches_a_payment_link_create_by_its_body(api, sim):
    sim.add_fault(kind="status", status=500, order_id="L-FAULTY")

    faulty = api.post("/v1/payment-links", {"transaction_details": {"order_id": "L-FAULTY", "gross_amount": 1}})
    fine = api.post("/v1/payment-links", {"transaction_details": {"order_id": "L-FINE", "gross_amount": 1}})

    assert faulty.status_code == 500
    assert fine.status_code == 200


def test_method_filter_fails_cancels_but_not_status_reads(api, sim):
    sim.add_fault(kind="status", status=503, method="post")

    read = api.get("/v2/ORDER-PENDING-001/status")
    cancel = api.post("/v2/ORDER-PENDING-001/cancel")

    assert read.status_code == 200
    assert cancel.status_code == 503


def test_the_oldest_matching_fault_wins(api, sim):
    sim.add_fault(kind="status", status=429, times=1)
    sim.add_fault(kind="status", status=503, times=1)

    codes = [api.get("/v2/ORDER-PENDING-001/status").status_code for _ in range(3)]

    assert codes == [429, 503, 200]


def test_faults_never_touch_the_control_api(sim):
    sim.add_fault(kind="drop")

    response = requests.get(f"{sim.base_url}/__simulator/calls", timeout=5)

    assert response.status_code == 200


def test_clear_faults_and_reset_remove_faults(api, sim):
    sim.add_fault(kind="status", status=500)
    assert sim.clear_faults() == 1
    sim.add_fault(kind="status", status=500)
    sim.reset()

    assert api.get("/v2/ORDER-PENDING-001/status").status_code == 200


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "explode"},
        {"kind": "status", "status": 99},
        {"kind": "status", "times": 0},
        {"kind": "latency", "delay_seconds": -1},
        {"kind": "status", "retry_after": -1},
    ],
)
def test_invalid_faults_are_refused(sim, fields):
    with pytest.raises(ValueError):
        sim.add_fault(**fields)

    response = requests.post(f"{sim.base_url}/__simulator/faults", json=fields, timeout=5)

    assert response.status_code == 400
    assert response.json()["error"]
    assert sim.faults() == []


def test_faults_over_http_add_list_and_clear(api, sim):
    control = f"{sim.base_url}/__simulator/faults"
    spec = {"kind": "status", "status": 429, "order_id": None, "times": 1, "retry_after": 7}

    added = requests.post(control, json=spec, timeout=5)
    listed = requests.get(control, timeout=5).json()["faults"]
    limited = api.get("/v2/ORDER-PENDING-001/status")
    requests.post(control, json={"kind": "drop"}, timeout=5)
    cleared = requests.delete(control, timeout=5)

    assert added.status_code == 201
    assert added.json()["kind"] == "status"
    assert [fault["status"] for fault in listed] == [429]
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert cleared.json() == {"cleared": 1}
    assert api.get("/v2/ORDER-PENDING-001/status").status_code == 200
