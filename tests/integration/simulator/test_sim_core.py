"""The Midtrans simulator over real loopback HTTP: status bodies, auth, routing quirks, log, control API.

Cancel/refund, payment links and faults have their own modules under tests/integration/simulator/.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys

import pytest
import requests

from midtrans_local.simulator import (
    PRODUCTION_SERVER_KEY,
    SANDBOX_SERVER_KEY,
    SEEDED_ORDERS,
    MidtransSimulator,
    basic_auth_header,
    transaction_id_for,
)
from tests.conftest import ROOT

SANDBOX = (SANDBOX_SERVER_KEY, "")
TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# order_id -> (transaction_status, status_code, payment_type, gross_amount)
EXPECTED = {
    "ORDER-PENDING-001": ("pending", "201", "bank_transfer", "150000.00"),
    "ORDER-PENDING-SHOPEEPAY-001": ("PENDING", "200", "shopeepay", "75000.00"),
    "ORDER-AUTHORIZE-CARD-001": ("authorize", "200", "credit_card", "150000.00"),
    "ORDER-CAPTURE-CARD-001": ("capture", "200", "credit_card", "150000.00"),
    "ORDER-SETTLEMENT-GOPAY-001": ("settlement", "200", "gopay", "150000.00"),
    "ORDER-SETTLEMENT-CARD-001": ("settlement", "200", "credit_card", "250000.00"),
    "ORDER-SETTLEMENT-VA-001": ("settlement", "200", "bank_transfer", "150000.00"),
    "ORDER-SETTLEMENT-CSTORE-001": ("settlement", "200", "cstore", "50000.00"),
    "ORDER-SETTLEMENT-SHOPEEPAY-001": ("settlement", "200", "shopeepay", "80000.00"),
    "ORDER-SETTLEMENT-QRIS-STATIC-001": ("settlement", "200", "qris", "45000.00"),
    "ORDER-PARTIAL-REFUND-001": ("partial_refund", "200", "credit_card", "150000.00"),
    "ORDER-REFUND-001": ("refund", "200", "gopay", "150000.00"),
    "ORDER-DENY-001": ("deny", "202", "credit_card", "150000.00"),
    "ORDER-CANCEL-001": ("cancel", "200", "gopay", "150000.00"),
    "ORDER-EXPIRE-001": ("expire", "407", "bank_transfer", "150000.00"),
    "ORDER-FAILURE-001": ("failure", "202", "credit_card", "150000.00"),
    "ORDER-CHARGEBACK-001": ("chargeback", "200", "credit_card", "150000.00"),
}


def get(sim: MidtransSimulator, path: str, auth: tuple[str, str] | None = SANDBOX) -> requests.Response:
    return requests.get(sim.base_url + path, auth=auth, timeout=5)


def test_every_seeded_status_is_covered_here():
    assert set(SEEDED_ORDERS) == set(EXPECTED)


@pytest.mark.parametrize("order_id", sorted(EXPECTED))
def test_status_body_of_every_seeded_order(sim, order_id):
    transaction_status, status_code, payment_type, gross_amount = EXPECTED[order_id]

    response = get(sim, f"/v2/{order_id}/status")

    assert response.status_code == 200
    body = response.json()
    assert body["order_id"] == order_id
    assert body["transaction_status"] == transaction_status
    assert body["status_code"] == status_code
    assert body["status_message"] == "Success, transaction is found"
    assert body["payment_type"] == payment_type
    assert body["gross_amount"] == gross_amount
    assert body["currency"] == "IDR"
    assert body["transaction_id"] == transaction_id_for(order_id)
    assert UUID.match(body["transaction_id"])
    assert TIME.match(body["transaction_time"])
    expected_signature = hashlib.sha512(
        f"{order_id}{status_code}{gross_amount}{SANDBOX_SERVER_KEY}".encode()
    ).hexdigest()
    assert body["signature_key"] == expected_signature


def test_method_specific_fields(sim):
    va = get(sim, "/v2/ORDER-PENDING-001/status").json()
    cstore = get(sim, "/v2/ORDER-SETTLEMENT-CSTORE-001/status").json()
    partial = get(sim, "/v2/ORDER-PARTIAL-REFUND-001/status").json()
    settled = get(sim, "/v2/ORDER-SETTLEMENT-GOPAY-001/status").json()

    assert va["va_numbers"] == [{"bank": "bca", "va_number": "12345678901"}]
    assert TIME.match(va["expiry_time"])
    assert "settlement_time" not in va
    assert "fraud_status" not in cstore
    assert cstore["store"] == "indomaret"
    assert TIME.match(settled["settlement_time"])
    assert "refunds" not in settled
    assert partial["refund_amount"] == "50000.00"
    refund = partial["refunds"][0]
    assert isinstance(refund["refund_chargeback_id"], int)
    assert refund["refund_amount"] == "50000.00"
    assert refund["refund_key"] == "SEED-PARTIAL-REFUND-1"
    assert TIME.match(refund["created_at"])


def test_status_by_transaction_id(sim):
    body = get(sim, f"/v2/{transaction_id_for('ORDER-SETTLEMENT-GOPAY-001')}/status").json()

    assert body["order_id"] == "ORDER-SETTLEMENT-GOPAY-001"


def test_unknown_order_is_404_inside_an_http_200(sim):
    response = get(sim, "/v2/NO-SUCH-ORDER/status")

    assert response.status_code == 200
    body = response.json()
    assert body["status_code"] == "404"
    assert body["status_message"] == "Transaction doesn't exist."
    assert UUID.match(body["id"])


def test_an_encoded_slash_makes_a_path_no_route_matches(sim):
    response = get(sim, "/v2/ORDER%2F1/status")

    assert response.status_code == 404
    body = response.json()
    assert "status_code" not in body
    assert (body["status"], body["error"], body["message"]) == (404, "Not Found", "Not Found")
    assert body["path"] == "/v2/ORDER%2F1/status"
    assert body["timestamp"]


def test_wrong_method_on_a_route_is_a_spring_405(sim):
    response = requests.get(f"{sim.base_url}/v2/ORDER-PENDING-001/cancel", auth=SANDBOX, timeout=5)

    assert response.status_code == 405
    assert response.json()["error"] == "Method Not Allowed"
    assert get(sim, "/v2/ORDER-PENDING-001/status").json()["transaction_status"] == "pending"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": basic_auth_header("SB-Mid-server-WRONG")},
        {"Authorization": "Basic " + "U0ItTWlkLXNlcnZlci1MT0NBTFNJTVVMQVRPUjAxOnNlY3JldA=="},  # key:secret
        {"Authorization": "Bearer " + SANDBOX_SERVER_KEY},
        {"Authorization": "Basic !!!not-base64"},
    ],
)
def test_core_api_401_is_a_real_http_401(sim, headers):
    response = requests.get(f"{sim.base_url}/v2/ORDER-PENDING-001/status", headers=headers, timeout=5)

    assert response.status_code == 401
    body = response.json()
    assert body["status_code"] == "401"
    assert body["status_message"] == "Transaction cannot be authorized with the current client/server key."
    assert UUID.match(body["id"])


def test_unauthorized_cancel_changes_nothing(sim):
    response = requests.post(f"{sim.base_url}/v2/ORDER-PENDING-001/cancel", timeout=5)

    assert response.status_code == 401
    assert get(sim, "/v2/ORDER-PENDING-001/status").json()["transaction_status"] == "pending"


def test_production_key_works_and_signs_with_itself(sim):
    body = get(sim, "/v2/ORDER-PENDING-001/status", auth=(PRODUCTION_SERVER_KEY, "")).json()

    expected = hashlib.sha512(f"ORDER-PENDING-001201150000.00{PRODUCTION_SERVER_KEY}".encode()).hexdigest()
    assert body["signature_key"] == expected


def test_custom_server_keys_replace_the_defaults():
    with MidtransSimulator(server_keys=("SB-Mid-server-CUSTOM",)) as custom:
        ok = requests.get(
            f"{custom.base_url}/v2/ORDER-PENDING-001/status", auth=("SB-Mid-server-CUSTOM", ""), timeout=5
        )
        default = requests.get(f"{custom.base_url}/v2/ORDER-PENDING-001/status", auth=SANDBOX, timeout=5)

    assert ok.json()["status_code"] == "201"
    assert default.status_code == 401


def test_calls_log_every_api_request_with_key_environment(sim):
    get(sim, "/v2/ORDER-PENDING-001/status")
    get(sim, "/v2/ORDER-PENDING-001/status", auth=(PRODUCTION_SERVER_KEY, ""))
    get(sim, "/v2/ORDER-PENDING-001/status", auth=None)
    txid = transaction_id_for("ORDER-SETTLEMENT-GOPAY-001")
    requests.post(f"{sim.base_url}/v2/{txid}/refund", json={"refund_key": "r1"}, auth=SANDBOX, timeout=5)
    requests.get(f"{sim.base_url}/__simulator/calls", timeout=5)  # control calls are not logged

    calls = sim.calls()

    assert [(c["method"], c["authorized"], c["environment"], c["status"]) for c in calls] == [
        ("GET", True, "sandbox", 200),
        ("GET", True, "production", 200),
        ("GET", False, None, 401),
        ("POST", True, "sandbox", 200),
    ]
    assert calls[0]["path"] == "/v2/ORDER-PENDING-001/status"
    assert calls[0]["order_id"] == "ORDER-PENDING-001"
    # A transaction_id in the URL is logged under its order_id, with the body the client sent.
    assert calls[3]["order_id"] == "ORDER-SETTLEMENT-GOPAY-001"
    assert calls[3]["request_body"] == {"refund_key": "r1"}


def test_reset_restores_seeds_and_clears_links_faults_and_calls(sim):
    requests.post(f"{sim.base_url}/v2/ORDER-PENDING-001/cancel", auth=SANDBOX, timeout=5)
    requests.post(
        f"{sim.base_url}/v1/payment-links",
        json={"transaction_details": {"order_id": "L-1", "gross_amount": 1000}},
        auth=SANDBOX,
        timeout=5,
    )
    sim.add_fault(kind="status", status=500, order_id="ORDER-DENY-001")

    sim.reset()

    assert sim.calls() == []
    assert sim.payment_link("L-1") is None
    assert get(sim, "/v2/ORDER-PENDING-001/status").json()["transaction_status"] == "pending"
    assert get(sim, "/v2/ORDER-DENY-001/status").status_code == 200


def test_transaction_returns_the_stored_status_body_or_none(sim):
    stored = sim.transaction("ORDER-PENDING-001")

    assert stored is not None
    assert stored["transaction_status"] == "pending"
    assert sim.transaction(transaction_id_for("ORDER-PENDING-001")) == stored
    assert sim.transaction("NOPE") is None


def test_control_api_over_http(sim):
    control = f"{sim.base_url}/__simulator"
    requests.post(f"{sim.base_url}/v2/ORDER-PENDING-001/cancel", auth=SANDBOX, timeout=5)

    calls = requests.get(f"{control}/calls", timeout=5).json()["calls"]
    stored = requests.get(f"{control}/transactions/ORDER-PENDING-001", timeout=5)
    missing = requests.get(f"{control}/transactions/NOPE", timeout=5)
    index = requests.get(f"{control}/", timeout=5).json()
    reset = requests.post(f"{control}/reset", timeout=5)

    assert [c["path"] for c in calls] == ["/v2/ORDER-PENDING-001/cancel"]
    assert stored.json()["transaction_status"] == "cancel"
    assert missing.status_code == 404
    assert index["seeded_orders"] == dict(SEEDED_ORDERS)
    assert reset.json() == {"reset": True}
    assert sim.calls() == []
    assert (sim.transaction("ORDER-PENDING-001") or {}).get("transaction_status") == "pending"


def test_base_url_is_loopback_with_an_ephemeral_port(sim):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sim.base_url)
    assert not sim.base_url.endswith(":0")


def test_every_seeded_order_is_in_the_docs_table():
    doc = (ROOT / "docs" / "simulator.md").read_text()

    missing = [order_id for order_id in SEEDED_ORDERS if f"`{order_id}`" not in doc]
    assert missing == []
    for order_id in SEEDED_ORDERS:
        assert transaction_id_for(order_id) in doc


def test_module_runs_standalone_and_prints_its_url():
    process = subprocess.Popen(
        [sys.executable, "-m", "midtrans_local.simulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        assert match, line
        response = requests.get(f"{match.group(1)}/v2/ORDER-PENDING-001/status", auth=SANDBOX, timeout=5)
        assert response.json()["status_code"] == "201"
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0
        if process.stdout is not None:
            process.stdout.close()
