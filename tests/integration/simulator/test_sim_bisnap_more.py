"""BI-SNAP over loopback HTTP: QRIS query/cancel/refund, faults, the call log, reset and the control API."""

from __future__ import annotations

import json

import pytest
import requests

from midtrans_local.simulator import BISNAP_SEEDED_ORDERS, SEEDED_ORDERS, transaction_id_for
from tests.conftest import ROOT

from .conftest import MERCHANT_A, MERCHANT_B, Snap

QUERY, QR_CANCEL, QR_REFUND = "/v1.0/qr/qr-mpm-query", "/v1.0/qr/qr-mpm-cancel", "/v1.0/qr/qr-mpm-refund"
SETTLED_QRIS, PENDING_QRIS = "ORDER-SETTLEMENT-QRIS-001", "ORDER-PENDING-QRIS-001"
STATIC_QRIS = "ORDER-SETTLEMENT-QRIS-STATIC-001"
SETTLED_GOPAY = "ORDER-SETTLEMENT-GOPAY-001"


def qr_refund(snap: Snap, order_id: str, refund_no: str, value: str | None = None, **extra: object):
    body: dict[str, object] = {
        "merchantId": snap.merchant_id,
        "originalPartnerReferenceNo": order_id,
        "partnerRefundNo": refund_no,
        **extra,
    }
    if value is not None:
        body["refundAmount"] = {"value": value, "currency": "IDR"}
    return snap.call(QR_REFUND, body, external_id=refund_no)


def test_qris_query_of_a_settled_qris_by_partner_reference(snap):
    response = snap.call(QUERY, {"originalPartnerReferenceNo": SETTLED_QRIS, "serviceCode": "47"})

    assert response.status_code == 200
    body = response.json()
    assert body["responseCode"] == "2005100"
    assert body["originalReferenceNo"] == transaction_id_for(SETTLED_QRIS)
    assert (body["latestTransactionStatus"], body["transactionStatusDesc"]) == ("00", "settlement")
    assert body["amount"] == {"value": "100000.00", "currency": "IDR"}
    assert body["serviceCode"] == "47"
    assert "paidTime" in body
    assert body["additionalInfo"] == {"refundHistory": []}


@pytest.mark.parametrize(
    ("ident", "latest"),
    [(PENDING_QRIS, "03"), (STATIC_QRIS, "00"), ("NO-SUCH-ORDER", "07"), (SETTLED_GOPAY, "07")],
)
def test_qris_query_statuses(snap, ident, latest):
    body = snap.call(QUERY, {"originalExternalId": ident, "serviceCode": "47"}).json()

    assert body["latestTransactionStatus"] == latest
    if latest == "07":
        assert body["transactionStatusDesc"] == "not found"
        assert "originalReferenceNo" not in body


def test_qris_cancel_of_a_pending_qris_then_403(snap, api):
    body = {"originalPartnerReferenceNo": PENDING_QRIS, "merchantId": snap.merchant_id, "reason": "buyer left"}
    token = snap.token()

    first = snap.call(QR_CANCEL, body, token=token)
    again = snap.call(QR_CANCEL, body, token=token)
    unknown = snap.call(QR_CANCEL, {**body, "originalPartnerReferenceNo": "NO-SUCH-ORDER"}, token=token)

    assert first.status_code == 200
    assert first.json()["responseCode"] == "2007700"
    assert first.json()["originalReferenceNo"] == transaction_id_for(PENDING_QRIS)
    assert api.status(PENDING_QRIS)["transaction_status"] == "cancel"
    assert (again.status_code, again.json()["responseCode"]) == (403, "4037715")
    assert (unknown.status_code, unknown.json()["responseCode"]) == (404, "4047701")


@pytest.mark.parametrize(
    ("change", "field"),
    [({"merchantId": "M-SOMEONE-ELSE"}, "merchantId"), ({"reason": None}, "reason")],
)
def test_qris_cancel_needs_its_merchant_id_and_a_reason(snap, api, change, field):
    body = {"originalPartnerReferenceNo": PENDING_QRIS, "merchantId": snap.merchant_id, "reason": "r", **change}

    response = snap.call(QR_CANCEL, {k: v for k, v in body.items() if v is not None})

    assert response.status_code == 400
    assert response.json() == {"responseCode": "4007702", "responseMessage": f"Invalid Mandatory Field {field}"}
    assert api.status(PENDING_QRIS)["transaction_status"] == "pending"


def test_qris_refund_partial_then_duplicate_is_409_without_a_second_refund(snap, api):
    first = qr_refund(snap, SETTLED_QRIS, "qr-rf-1", "25000.00", reason="damaged")
    again = qr_refund(snap, SETTLED_QRIS, "qr-rf-1", "25000.00")

    assert first.status_code == 200
    body = first.json()
    assert body["responseCode"] == "2007800"
    assert (body["partnerRefundNo"], body["refundAmount"]["value"]) == ("qr-rf-1", "25000.00")
    assert body["referenceNo"]
    assert again.status_code == 409
    assert again.json() == {"responseCode": "4097801", "responseMessage": "Duplicate Transaction"}
    status = api.status(SETTLED_QRIS)
    assert [(r["refund_key"], r["reason"]) for r in status["refunds"]] == [("qr-rf-1", "damaged")]
    assert status["transaction_status"] == "partial_refund"


def test_qris_refund_number_must_equal_the_external_id(snap, api):
    body = {"merchantId": snap.merchant_id, "originalPartnerReferenceNo": SETTLED_QRIS, "partnerRefundNo": "qr-A"}

    response = snap.call(QR_REFUND, body, external_id="qr-B")

    assert response.status_code == 400
    assert response.json() == {"responseCode": "4007802", "responseMessage": "Invalid Mandatory Field partnerRefundNo"}
    assert "refunds" not in api.status(SETTLED_QRIS)


def test_qris_refund_refusals(snap):
    exceeds = qr_refund(snap, SETTLED_QRIS, "qr-big", "100001.00")
    pending = qr_refund(snap, PENDING_QRIS, "qr-pending")
    unknown = qr_refund(snap, "NO-SUCH-ORDER", "qr-none")
    not_qris = qr_refund(snap, SETTLED_GOPAY, "qr-gopay")

    assert (exceeds.status_code, exceeds.json()["responseCode"]) == (403, "4037802")
    assert pending.json() == {"responseCode": "4047800", "responseMessage": "Invalid Transaction Status"}
    assert unknown.json() == {"responseCode": "4047801", "responseMessage": "Transaction Not Found"}
    assert not_qris.json()["responseCode"] == "4047801"


def test_static_qris_refunds_need_the_transaction_id(snap, api):
    by_order = qr_refund(snap, STATIC_QRIS, "qr-static-1")
    by_reference = qr_refund(snap, STATIC_QRIS, "qr-static-2", originalReferenceNo=transaction_id_for(STATIC_QRIS))

    assert by_order.json()["responseCode"] == "4047800"
    assert by_reference.json()["refundAmount"] == {"value": "45000.00", "currency": "IDR"}
    assert api.status(STATIC_QRIS)["transaction_status"] == "refund"


def test_qris_refund_shows_in_core_status_and_query_history(snap, api):
    qr_refund(snap, SETTLED_QRIS, "qr-cross-1", "40000.00")

    core = api.status(transaction_id_for(SETTLED_QRIS))
    query = snap.call(QUERY, {"originalReferenceNo": transaction_id_for(SETTLED_QRIS), "serviceCode": "47"}).json()

    assert [(r["refund_key"], r["refund_amount"]) for r in core["refunds"]] == [("qr-cross-1", "40000.00")]
    assert [r["partnerReferenceNo"] for r in query["additionalInfo"]["refundHistory"]] == ["qr-cross-1"]
    assert query["latestTransactionStatus"] == "04"


def test_faults_target_bisnap_operations(sim, snap):
    sim.add_fault(kind="status", status=503, operation="bisnap_token", times=1)
    sim.add_fault(kind="status", status=500, operation="bisnap_refund")

    faulted_token = snap.token_response()
    token = snap.token()
    status = snap.call("/v1.0/debit/status", {"originalExternalId": SETTLED_GOPAY, "serviceCode": "54"}, token=token)
    refund = qr_refund(snap, SETTLED_QRIS, "qr-faulted")

    assert faulted_token.status_code == 503
    assert faulted_token.json()["responseCode"] == "5037300"
    assert sim.bisnap_token_requests(MERCHANT_A["client_id"]) == 3  # the faulted one counts too
    assert sim.bisnap_tokens_issued(MERCHANT_A["client_id"]) == 2
    assert status.status_code == 200
    assert (refund.status_code, refund.json()["responseCode"]) == (500, "5007801")
    assert sim.transaction(SETTLED_QRIS)["transaction_status"] == "settlement"  # never reached Midtrans


def test_a_processed_fault_stores_the_refund_and_loses_the_answer(sim, snap, api):
    sim.add_fault(kind="drop", operation="bisnap_refund", order_id=SETTLED_QRIS, processed=True, times=1)

    with pytest.raises(requests.ConnectionError):
        qr_refund(snap, SETTLED_QRIS, "qr-lost")

    assert [r["refund_key"] for r in api.status(SETTLED_QRIS)["refunds"]] == ["qr-lost"]
    refunds = [c for c in sim.calls() if c["operation"] == "bisnap_refund"]
    assert [(c["fault"], c["status"], c["authorized"]) for c in refunds] == [("drop", 0, True)]
    with pytest.raises(ValueError):
        sim.add_fault(kind="drop", operation="bisnap_everything")


def test_the_call_log_records_identifiers_but_never_credentials(sim, snap):
    token = snap.token()
    snap.call(QUERY, {"originalExternalId": SETTLED_QRIS, "serviceCode": "47"}, token=token, external_id="ext-log-1")

    calls = sim.calls()
    token_call, query_call = calls
    assert (token_call["operation"], token_call["client_key"], token_call["authorized"]) == (
        "bisnap_token",
        MERCHANT_A["client_id"],
        True,
    )
    assert query_call["operation"] == "bisnap_status"
    assert (query_call["external_id"], query_call["partner_id"]) == ("ext-log-1", MERCHANT_A["partner_id"])
    assert (query_call["order_id"], query_call["environment"]) == (SETTLED_QRIS, "sandbox")
    assert query_call["request_body"] == {"originalExternalId": SETTLED_QRIS, "serviceCode": "47"}
    logged = json.dumps(calls)
    assert token not in logged
    assert MERCHANT_A["client_secret"] not in logged
    assert "Bearer" not in logged and "signature" not in logged.lower()


def test_reset_keeps_merchants_but_drops_tokens_counters_and_ttl(sim, snap):
    sim.set_bisnap_token_ttl(30)
    token = snap.token()

    sim.reset()
    old = snap.call(QUERY, {"originalExternalId": SETTLED_QRIS, "serviceCode": "47"}, token=token)

    assert old.json()["responseCode"] == "4015101"
    assert (sim.bisnap_token_requests(), sim.bisnap_tokens_issued()) == (0, 0)
    assert snap.token_response().json()["expiresIn"] == "900"  # still registered, default TTL again


def test_control_api_for_bisnap(sim, bisnap_private_key, bisnap_public_pem):
    control = f"{sim.base_url}/__simulator/bisnap"
    registered = requests.post(
        f"{control}/merchants", json={**MERCHANT_B, "public_key_pem": bisnap_public_pem}, timeout=5
    )
    bad_key = requests.post(f"{control}/merchants", json={**MERCHANT_B, "public_key_pem": "nope"}, timeout=5)
    ttl = requests.post(f"{control}/token-ttl", json={"seconds": 120}, timeout=5)
    bad_ttl = requests.post(f"{control}/token-ttl", json={"seconds": "soon"}, timeout=5)
    client = Snap(sim.base_url, MERCHANT_B, bisnap_private_key)
    issued = client.token_response().json()
    client.token_response(client_id="NOBODY")

    counts = requests.get(f"{control}/token-requests", timeout=5).json()
    revoked = requests.post(f"{control}/revoke-tokens", json={"client_id": MERCHANT_B["client_id"]}, timeout=5)
    merchants = requests.get(f"{control}/merchants", timeout=5).json()["merchants"]

    assert registered.status_code == 201
    assert registered.json() == {
        "client_id": MERCHANT_B["client_id"],
        "partner_id": MERCHANT_B["partner_id"],
        "merchant_id": MERCHANT_B["merchant_id"],
        "environment": "sandbox",
    }
    assert bad_key.status_code == bad_ttl.status_code == 400
    assert ttl.json() == {"seconds": 120}
    assert issued["expiresIn"] == "120"
    assert counts == {"total": 2, "by_client": {MERCHANT_B["client_id"]: 1, "NOBODY": 1}}
    assert revoked.json() == {"revoked": 1}
    assert MERCHANT_B["client_id"] in [m["client_id"] for m in merchants]
    assert all("client_secret" not in m and "public_key_pem" not in m for m in merchants)


def test_registration_refuses_a_partner_id_taken_by_another_client(sim, snap, bisnap_public_pem):
    with pytest.raises(ValueError, match="partner_id"):
        sim.register_bisnap_merchant(
            **{**MERCHANT_B, "partner_id": MERCHANT_A["partner_id"]}, public_key_pem=bisnap_public_pem
        )
    with pytest.raises(ValueError, match="server_key"):
        sim.register_bisnap_merchant(**MERCHANT_B, public_key_pem=bisnap_public_pem, server_key="SB-Mid-server-OTHER")


def test_bisnap_seeds_are_separate_from_the_core_seed_list_and_in_the_docs(sim):
    doc = (ROOT / "docs" / "simulator.md").read_text()

    assert set(BISNAP_SEEDED_ORDERS).isdisjoint(SEEDED_ORDERS)
    for order_id in BISNAP_SEEDED_ORDERS:
        assert sim.transaction(order_id) is not None
        assert f"`{order_id}`" in doc and transaction_id_for(order_id) in doc
