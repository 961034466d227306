"""Cancel, expire and refund against the simulator over loopback HTTP (docs/midtrans-behaviour.md §6, §7)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from midtrans_local.simulator import transaction_id_for

CANNOT_MODIFY = {"status_code": "412", "status_message": "Merchant cannot modify the status of the transaction"}


@pytest.mark.parametrize(
    "order_id",
    ["ORDER-PENDING-001", "ORDER-PENDING-SHOPEEPAY-001", "ORDER-AUTHORIZE-CARD-001", "ORDER-CAPTURE-CARD-001"],
)
def test_cancel_of_a_cancellable_transaction_succeeds_and_changes_state(api, order_id):
    response = api.post(f"/v2/{order_id}/cancel")

    assert response.status_code == 200
    body = response.json()
    assert body["status_code"] == "200"
    assert body["status_message"] == "Success, transaction is canceled"
    assert body["transaction_status"] == "cancel"
    assert body["order_id"] == order_id
    after = api.status(order_id)
    assert after["transaction_status"] == "cancel"
    assert after["status_code"] == "200"


@pytest.mark.parametrize(
    "order_id",
    ["ORDER-SETTLEMENT-GOPAY-001", "ORDER-DENY-001", "ORDER-EXPIRE-001", "ORDER-REFUND-001", "ORDER-CANCEL-001"],
)
def test_cancel_of_a_final_or_settled_transaction_is_412_in_a_200(api, order_id):
    before = api.status(order_id)["transaction_status"]

    response = api.post(f"/v2/{order_id}/cancel")

    assert response.status_code == 200
    assert response.json() == CANNOT_MODIFY
    assert api.status(order_id)["transaction_status"] == before


def test_repeated_cancel_is_412_and_leaves_the_cancel_in_place(api):
    assert api.post("/v2/ORDER-PENDING-001/cancel").json()["status_code"] == "200"

    again = api.post("/v2/ORDER-PENDING-001/cancel")

    assert again.json() == CANNOT_MODIFY
    assert api.status("ORDER-PENDING-001")["transaction_status"] == "cancel"


def test_cancel_by_transaction_id_and_of_an_unknown_order(api):
    by_id = api.post(f"/v2/{transaction_id_for('ORDER-AUTHORIZE-CARD-001')}/cancel").json()
    unknown = api.post("/v2/NO-SUCH-ORDER/cancel")

    assert by_id["transaction_status"] == "cancel"
    assert by_id["order_id"] == "ORDER-AUTHORIZE-CARD-001"
    assert unknown.status_code == 200
    assert unknown.json()["status_code"] == "404"


def test_expire_moves_pending_to_expire_with_the_407_success_code(api):
    body = api.post("/v2/ORDER-PENDING-001/expire").json()

    assert body["status_code"] == "407"
    assert body["transaction_status"] == "expire"
    assert api.status("ORDER-PENDING-001")["status_code"] == "407"
    assert api.post("/v2/ORDER-PENDING-001/expire").json() == CANNOT_MODIFY


def test_full_refund_without_amount_refunds_everything(api, sim):
    body = api.refund("ORDER-SETTLEMENT-GOPAY-001", refund_key="rk-full-1", reason="customer asked")

    assert body["status_code"] == "200"
    assert body["status_message"] == "Success, refund request is approved"
    assert body["transaction_status"] == "refund"
    assert body["refund_amount"] == "150000.00"
    assert body["refund_key"] == "rk-full-1"
    assert isinstance(body["refund_chargeback_id"], int)
    stored = sim.transaction("ORDER-SETTLEMENT-GOPAY-001")
    assert stored is not None
    assert stored["transaction_status"] == "refund"
    assert stored["refund_amount"] == "150000.00"
    assert [r["refund_key"] for r in stored["refunds"]] == ["rk-full-1"]
    assert stored["refunds"][0]["reason"] == "customer asked"


def test_partial_refunds_accumulate_until_the_remainder_is_gone(api):
    first = api.refund("ORDER-SETTLEMENT-CARD-001", refund_key="part-1", amount=100000)
    second = api.refund("ORDER-SETTLEMENT-CARD-001", refund_key="part-2", amount=150000)

    assert first["transaction_status"] == "partial_refund"
    assert first["refund_amount"] == "100000.00"
    assert second["transaction_status"] == "refund"
    stored = api.status("ORDER-SETTLEMENT-CARD-001")
    assert stored["refund_amount"] == "250000.00"
    assert [r["refund_amount"] for r in stored["refunds"]] == ["100000.00", "150000.00"]
    assert second["refund_chargeback_id"] != first["refund_chargeback_id"]


def test_refund_of_a_partial_refund_takes_the_remainder(api):
    body = api.refund("ORDER-PARTIAL-REFUND-001", refund_key="rest")

    assert body["refund_amount"] == "100000.00"
    assert body["transaction_status"] == "refund"
    assert len(api.status("ORDER-PARTIAL-REFUND-001")["refunds"]) == 2


def test_amount_above_the_remainder_is_414_and_refunds_nothing(api):
    body = api.refund("ORDER-PARTIAL-REFUND-001", refund_key="too-much", amount=100001)

    assert body == {"status_code": "414", "status_message": "Refund request is rejected due to invalid amount"}
    assert api.status("ORDER-PARTIAL-REFUND-001")["refund_amount"] == "50000.00"


def test_duplicate_refund_key_is_406_and_makes_no_second_refund(api):
    api.refund("ORDER-SETTLEMENT-CARD-001", refund_key="dup-1", amount=1000)

    again = api.refund("ORDER-SETTLEMENT-CARD-001", refund_key="dup-1", amount=1000)

    assert again == {"status_code": "406", "status_message": "Duplicate refund ID"}
    stored = api.status("ORDER-SETTLEMENT-CARD-001")
    assert len(stored["refunds"]) == 1
    assert stored["refund_amount"] == "1000.00"


@pytest.mark.parametrize(
    "order_id",
    [
        "ORDER-SETTLEMENT-VA-001",
        "ORDER-SETTLEMENT-CSTORE-001",
        "ORDER-PENDING-001",
        "ORDER-CAPTURE-CARD-001",
        "ORDER-REFUND-001",
        "ORDER-CHARGEBACK-001",
        "ORDER-DENY-001",
    ],
)
def test_refund_of_a_non_refundable_transaction_is_412(api, order_id):
    before = api.status(order_id)

    assert api.refund(order_id, refund_key="nope") == CANNOT_MODIFY

    after = api.status(order_id)
    assert after["transaction_status"] == before["transaction_status"]
    assert after.get("refunds") == before.get("refunds")


def test_va_refund_412_keeps_the_transaction_settled(api):
    assert api.refund("ORDER-SETTLEMENT-VA-001") == CANNOT_MODIFY

    stored = api.status("ORDER-SETTLEMENT-VA-001")
    assert stored["transaction_status"] == "settlement"
    assert "refunds" not in stored


def test_shopeepay_refunds_in_full_only(api):
    partial = api.refund("ORDER-SETTLEMENT-SHOPEEPAY-001", refund_key="sp-1", amount=1000)
    full = api.refund("ORDER-SETTLEMENT-SHOPEEPAY-001", refund_key="sp-2")

    assert partial == CANNOT_MODIFY
    assert full["transaction_status"] == "refund"
    assert full["refund_amount"] == "80000.00"


def test_static_qris_refunds_only_by_transaction_id(api):
    by_order = api.refund("ORDER-SETTLEMENT-QRIS-STATIC-001", refund_key="qris-1")
    by_transaction = api.refund(transaction_id_for("ORDER-SETTLEMENT-QRIS-STATIC-001"), refund_key="qris-1")

    assert by_order == CANNOT_MODIFY
    assert by_transaction["status_code"] == "200"
    assert by_transaction["order_id"] == "ORDER-SETTLEMENT-QRIS-STATIC-001"


def test_refund_of_an_unknown_order_is_404_in_a_200(api):
    body = api.refund("NO-SUCH-ORDER", refund_key="x")

    assert body["status_code"] == "404"
    assert body["status_message"] == "Transaction doesn't exist."


@pytest.mark.parametrize(
    "payload",
    [{"refund_key": "has space"}, {"refund_key": "semi;colon"}, {"amount": 0}, {"amount": -5}, {"amount": 1.5}],
)
def test_invalid_refund_fields_are_400_with_validation_messages(api, payload):
    body = api.refund("ORDER-SETTLEMENT-CARD-001", **payload)

    assert body["status_code"] == "400"
    assert body["validation_messages"]
    assert "refunds" not in api.status("ORDER-SETTLEMENT-CARD-001")


def test_a_body_that_is_not_json_is_413_and_no_body_means_a_full_refund(api):
    garbled = api.post_raw("/v2/ORDER-SETTLEMENT-GOPAY-001/refund", b"{not json")
    empty = api.post("/v2/ORDER-SETTLEMENT-CARD-001/refund")  # json=None sends no body at all

    assert garbled.status_code == 200
    assert garbled.json()["status_code"] == "413"
    assert "refunds" not in api.status("ORDER-SETTLEMENT-GOPAY-001")
    assert empty.json()["transaction_status"] == "refund"


def test_refund_without_refund_key_gets_a_generated_one(api):
    body = api.refund("ORDER-SETTLEMENT-GOPAY-001", amount=1000)

    assert body["refund_key"]
    assert api.status("ORDER-SETTLEMENT-GOPAY-001")["refunds"][0]["refund_key"] == body["refund_key"]


def test_twenty_concurrent_refunds_with_one_key_store_exactly_one(api, sim):
    start = threading.Barrier(20)

    def attempt(_: int) -> str:
        start.wait()
        return str(api.refund("ORDER-SETTLEMENT-GOPAY-001", refund_key="same-key", amount=1000)["status_code"])

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(attempt, range(20)))

    assert sorted(codes) == ["200"] + ["406"] * 19
    stored = sim.transaction("ORDER-SETTLEMENT-GOPAY-001")
    assert stored is not None
    assert len(stored["refunds"]) == 1
    assert stored["refund_amount"] == "1000.00"


def test_concurrent_partial_refunds_never_exceed_the_gross_amount(api, sim):
    start = threading.Barrier(20)

    def attempt(n: int) -> str:
        start.wait()
        return str(api.refund("ORDER-SETTLEMENT-GOPAY-001", refund_key=f"k{n}", amount=10000)["status_code"])

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(attempt, range(20)))

    assert codes.count("200") == 15  # 15 x 10000 = 150000, the gross amount
    # Whoever comes after the last rupiah finds a fully refunded transaction: not refundable.
    assert sorted(set(codes)) == ["200", "412"]
    stored = sim.transaction("ORDER-SETTLEMENT-GOPAY-001")
    assert stored is not None
    assert stored["refund_amount"] == "150000.00"
    assert stored["transaction_status"] == "refund"
