"""BI-SNAP over loopback HTTP: access token, the checks every call passes, debit status/cancel/refund.

QRIS, faults, the call log and the control API are in test_sim_bisnap_more.py.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest

from midtrans_local.simulator import bisnap_security, transaction_id_for

from .conftest import MERCHANT_A, WIB, snap_timestamp

STATUS, CANCEL, REFUND = "/v1.0/debit/status", "/v1.0/debit/cancel", "/v1.0/debit/refund"
SETTLED_GOPAY, PENDING_GOPAY = "ORDER-SETTLEMENT-GOPAY-001", "ORDER-PENDING-GOPAY-001"
OK = "Request has been processed successfully"
UNAUTHORIZED_SIGNATURE = {"responseCode": "4017300", "responseMessage": "Unauthorized Signature"}
INVALID_TOKEN = {"responseCode": "4015501", "responseMessage": "Invalid Token (B2B)"}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")


def refund_body(order_id: str, refund_no: str, value: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {"originalPartnerReferenceNo": order_id, "partnerRefundNo": refund_no}
    if value is not None:
        body["refundAmount"] = {"value": value, "currency": "IDR"}
    return body


def test_token_is_issued_for_a_valid_signature(sim, snap):
    response = snap.token_response()

    assert response.status_code == 200
    body = response.json()
    assert (body["responseCode"], body["responseMessage"]) == ("2007300", "Successful")
    assert body["tokenType"] == "Bearer"
    assert body["expiresIn"] == "900"  # a string, as in every Midtrans sample
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,}", body["accessToken"])
    assert (sim.bisnap_token_requests(MERCHANT_A["client_id"]), sim.bisnap_tokens_issued()) == (1, 1)


def test_token_accepts_grant_type_in_snake_case_and_refuses_other_grants(snap):
    snake = snap.token_response(body={"grant_type": "client_credentials"})
    other = snap.token_response(body={"grantType": "password"})
    not_json = snap.token_response(body=b"grantType=client_credentials")

    assert snake.status_code == 200
    assert other.status_code == not_json.status_code == 400
    assert other.json() == {"responseCode": "4007302", "responseMessage": "Invalid Mandatory Field grantType"}


@pytest.mark.parametrize(
    "case",
    ["bad_signature", "unknown_client", "stale_timestamp", "no_offset", "garbage_signature", "no_signature"],
)
def test_token_refusals_are_401_4017300_and_still_counted(sim, snap, case):
    client_id, timestamp, signature = MERCHANT_A["client_id"], snap_timestamp(), None
    if case == "bad_signature":
        signature = snap.token_signature(client_id, snap_timestamp(datetime.now(WIB) + timedelta(seconds=1)))
    elif case == "unknown_client":
        client_id = "NOBODY"
    elif case == "stale_timestamp":
        timestamp = snap_timestamp(datetime.now(WIB) - timedelta(minutes=6))
    elif case == "no_offset":
        timestamp = datetime.now(WIB).replace(microsecond=0, tzinfo=None).isoformat()
    elif case == "garbage_signature":
        signature = "not base64 at all!"
    else:
        signature = ""

    response = snap.token_response(client_id=client_id, timestamp=timestamp, signature=signature)

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED_SIGNATURE
    assert sim.bisnap_token_requests(client_id) == 1
    assert sim.bisnap_token_requests() == 1
    assert sim.bisnap_tokens_issued() == 0


def test_token_ttl_is_configurable(sim, snap):
    sim.set_bisnap_token_ttl(60)

    assert snap.token_response().json()["expiresIn"] == "60"
    with pytest.raises(ValueError):
        sim.set_bisnap_token_ttl(0)


def test_debit_status_of_a_settled_gopay(snap):
    response = snap.call(STATUS, {"originalReferenceNo": transaction_id_for(SETTLED_GOPAY), "serviceCode": "54"})

    assert response.status_code == 200
    body = response.json()
    assert (body["responseCode"], body["responseMessage"]) == ("2005500", OK)
    assert body["originalPartnerReferenceNo"] == body["originalExternalId"] == SETTLED_GOPAY
    assert body["originalReferenceNo"] == transaction_id_for(SETTLED_GOPAY)
    assert (body["serviceCode"], body["latestTransactionStatus"]) == ("54", "00")
    assert body["transAmount"] == {"value": "150000.00", "currency": "IDR"}
    assert ISO.match(body["paidTime"])
    assert body["refundHistory"] == []
    assert body["additionalInfo"]["userPaymentDetails"] == [{"payMethod": "gopay", "payOption": "GOPAY_WALLET"}]
    assert "validUpTo" not in body["additionalInfo"]


def test_debit_status_of_a_pending_gopay_by_external_id(snap):
    body = snap.call(STATUS, {"originalExternalId": PENDING_GOPAY, "serviceCode": "54"}).json()

    assert body["latestTransactionStatus"] == "03"
    assert ISO.match(body["additionalInfo"]["validUpTo"])
    assert "paidTime" not in body


@pytest.mark.parametrize("ident", ["NO-SUCH-ORDER", "ORDER-SETTLEMENT-CARD-001", "ORDER-SETTLEMENT-QRIS-001"])
def test_debit_status_of_an_unknown_or_non_debit_order_is_07(snap, ident):
    response = snap.call(STATUS, {"originalExternalId": ident, "serviceCode": "54"})

    assert response.status_code == 200
    assert response.json() == {
        "responseCode": "2005500",
        "responseMessage": OK,
        "latestTransactionStatus": "07",
        "serviceCode": "54",
        "originalExternalId": ident,
    }


def test_debit_cancel_of_a_pending_gopay_then_403_on_repeat(snap, api):
    body = {"originalPartnerReferenceNo": PENDING_GOPAY, "originalReferenceNo": transaction_id_for(PENDING_GOPAY)}
    token = snap.token()

    first = snap.call(CANCEL, body, token=token)
    again = snap.call(CANCEL, body, token=token)

    assert first.status_code == 200
    assert first.json()["responseCode"] == "2005700"
    assert first.json()["originalReferenceNo"] == transaction_id_for(PENDING_GOPAY)
    assert ISO.match(first.json()["cancelTime"])
    assert api.status(PENDING_GOPAY)["transaction_status"] == "cancel"
    assert again.status_code == 403
    assert again.json() == {"responseCode": "4035715", "responseMessage": "Transaction Not Permitted. cancel"}


@pytest.mark.parametrize(
    "body",
    [
        {"originalPartnerReferenceNo": "NO-SUCH-ORDER"},
        {"originalPartnerReferenceNo": "ORDER-PENDING-001"},  # a VA: not a debit product
        # The partner reference must name the same transaction as originalReferenceNo.
        {"originalPartnerReferenceNo": SETTLED_GOPAY, "originalReferenceNo": transaction_id_for(PENDING_GOPAY)},
    ],
)
def test_debit_cancel_of_what_it_cannot_find_is_404(snap, api, body):
    response = snap.call(CANCEL, body)

    assert response.status_code == 404
    assert response.json() == {"responseCode": "4045701", "responseMessage": "Transaction Not Found"}
    assert api.status(PENDING_GOPAY)["transaction_status"] == "pending"


def test_debit_refund_partial_then_the_rest(snap, api):
    token = snap.token()

    partial = snap.call(REFUND, refund_body(SETTLED_GOPAY, "snap-rf-1", "10000.00"), token=token)
    rest = snap.call(REFUND, refund_body(SETTLED_GOPAY, "snap-rf-2"), token=token)

    assert partial.status_code == rest.status_code == 200
    assert partial.json()["responseCode"] == "2005800"
    assert partial.json()["refundAmount"] == {"value": "10000.00", "currency": "IDR"}
    assert partial.json()["partnerRefundNo"] == "snap-rf-1"
    assert ISO.match(partial.json()["refundTime"])
    assert rest.json()["refundAmount"]["value"] == "140000.00"
    assert rest.json()["refundNo"] != partial.json()["refundNo"]
    status = api.status(SETTLED_GOPAY)
    assert status["transaction_status"] == "refund"
    assert [(r["refund_key"], r["refund_amount"]) for r in status["refunds"]] == [
        ("snap-rf-1", "10000.00"),
        ("snap-rf-2", "140000.00"),
    ]


def test_debit_refund_repeat_returns_the_original_body_without_refunding_again(snap, api):
    token = snap.token()
    first = snap.call(REFUND, refund_body(SETTLED_GOPAY, "snap-dup", "5000.00"), token=token)

    again = snap.call(REFUND, refund_body(SETTLED_GOPAY, "snap-dup", "7000.00"), token=token)

    assert again.status_code == 200
    assert again.json() == first.json()
    assert [r["refund_key"] for r in api.status(SETTLED_GOPAY)["refunds"]] == ["snap-dup"]


def test_debit_refund_refusals(snap, api):
    token = snap.token()

    exceeds = snap.call(REFUND, refund_body(SETTLED_GOPAY, "too-much", "150001.00"), token=token)
    pending = snap.call(REFUND, refund_body(PENDING_GOPAY, "not-paid"), token=token)
    unknown = snap.call(REFUND, refund_body("NO-SUCH-ORDER", "nothing"), token=token)
    bad_no = snap.call(REFUND, refund_body(SETTLED_GOPAY, "has space"), token=token)

    assert (exceeds.status_code, exceeds.json()["responseCode"]) == (403, "4035802")
    assert exceeds.json()["responseMessage"] == "Exceeds Transaction Amount Limit"
    assert (pending.status_code, pending.json()["responseCode"]) == (403, "4035815")
    assert pending.json()["responseMessage"].startswith("Transaction Not Permitted.")
    assert unknown.json() == {"responseCode": "4045801", "responseMessage": "Transaction Not Found"}
    assert bad_no.json() == {"responseCode": "4005802", "responseMessage": "Invalid Mandatory Field partnerRefundNo"}
    assert "refunds" not in api.status(SETTLED_GOPAY)


def test_refunds_are_shared_with_the_core_api_both_ways(snap, api):
    core = api.refund(SETTLED_GOPAY, refund_key="core-rk-1", amount=20000)
    snap_refund = snap.call(REFUND, refund_body(SETTLED_GOPAY, "snap-rk-1", "30000.00"))
    # The BI-SNAP refund number is taken on the Core side too.
    core_repeat = api.refund(SETTLED_GOPAY, refund_key="snap-rk-1", amount=1000)

    history = snap.call(STATUS, {"originalExternalId": SETTLED_GOPAY, "serviceCode": "54"}).json()
    assert core["status_code"] == "200" and snap_refund.status_code == 200
    assert core_repeat["status_code"] == "406"
    assert [(r["partnerReferenceNo"], r["refundAmount"]["value"]) for r in history["refundHistory"]] == [
        ("core-rk-1", "20000.00"),
        ("snap-rk-1", "30000.00"),
    ]
    assert history["latestTransactionStatus"] == "04"
    core_status = api.status(SETTLED_GOPAY)
    assert [r["refund_key"] for r in core_status["refunds"]] == ["core-rk-1", "snap-rk-1"]
    assert core_status["refund_amount"] == "50000.00"


def test_an_expired_token_is_401SS01(sim, snap, monkeypatch):
    sim.set_bisnap_token_ttl(5)
    token = snap.token()
    body = {"originalExternalId": SETTLED_GOPAY, "serviceCode": "54"}
    assert snap.call(STATUS, body, token=token).status_code == 200

    moved = bisnap_security.now() + 6
    monkeypatch.setattr(bisnap_security, "now", lambda: moved)
    expired = snap.call(STATUS, body, token=token)

    assert expired.status_code == 401
    assert expired.json() == INVALID_TOKEN


def test_a_revoked_token_is_401SS01_and_a_new_one_works(sim, snap):
    token = snap.token()
    body = {"originalExternalId": SETTLED_GOPAY, "serviceCode": "54"}

    assert sim.revoke_bisnap_tokens(MERCHANT_A["client_id"]) == 1
    revoked = snap.call(STATUS, body, token=token)
    fresh = snap.call(STATUS, body)

    assert revoked.status_code == 401
    assert revoked.json() == INVALID_TOKEN
    assert fresh.status_code == 200


def test_a_token_only_works_for_its_own_client(snap, snap_b):
    token_a = snap.token()

    response = snap_b.call(STATUS, {"originalExternalId": SETTLED_GOPAY, "serviceCode": "54"}, token=token_a)

    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN


@pytest.mark.parametrize("token", ["", "made-up-token"])
def test_a_missing_or_unknown_token_is_401SS01(snap, token):
    response = snap.call(STATUS, {"originalExternalId": SETTLED_GOPAY, "serviceCode": "54"}, token=token)

    assert response.json() == INVALID_TOKEN


def test_an_unknown_partner_is_401SS00(snap):
    response = snap.call(STATUS, {"originalExternalId": SETTLED_GOPAY, "serviceCode": "54"}, partner_id="NOBODY")

    assert response.status_code == 401
    assert response.json() == {"responseCode": "4015500", "responseMessage": "Unauthorized. Unknown partner"}


def test_the_hmac_covers_the_raw_body_bytes(snap, api):
    signed = json.dumps(refund_body(SETTLED_GOPAY, "tamper-1", "10000.00"), separators=(",", ":")).encode()
    tampered = signed.replace(b"10000.00", b"90000.00")
    # The same JSON with other whitespace is other bytes: signed as sent it is fine, re-minified it is not.
    spaced = json.dumps({"originalExternalId": SETTLED_GOPAY, "serviceCode": "54"}, indent=2).encode()

    changed = snap.call(REFUND, tampered, signed_body=signed)
    spaced_ok = snap.call(STATUS, spaced)
    spaced_bad = snap.call(STATUS, spaced, signed_body=json.dumps(json.loads(spaced), separators=(",", ":")).encode())

    assert changed.status_code == 401
    assert changed.json() == {"responseCode": "4015800", "responseMessage": "Unauthorized. Signature"}
    assert "refunds" not in api.status(SETTLED_GOPAY)
    assert spaced_ok.status_code == 200
    assert spaced_bad.json()["responseCode"] == "4015500"


def test_a_signature_made_with_another_secret_is_401SS00(snap, snap_b):
    body = {"originalExternalId": SETTLED_GOPAY, "serviceCode": "54"}

    response = snap.call(STATUS, body, secret=snap_b.secret)

    assert response.status_code == 401
    assert response.json()["responseCode"] == "4015500"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"external_id": None}, "Invalid Mandatory Field X-EXTERNAL-ID"),
        ({"channel_id": "123"}, "Invalid Mandatory Field CHANNEL-ID"),
        ({"body": b"not json"}, "Invalid Mandatory Field request body"),
        ({"body": {"originalExternalId": SETTLED_GOPAY}}, "Invalid Mandatory Field serviceCode"),
        ({"body": {"serviceCode": "54"}}, "Invalid Mandatory Field originalReferenceNo"),
        ({"body": {"originalReferenceNo": 42, "serviceCode": "54"}}, "Invalid Mandatory Field originalReferenceNo"),
    ],
)
def test_missing_mandatory_fields_are_400SS02(snap, call, message):
    body = call.pop("body", {"originalExternalId": SETTLED_GOPAY, "serviceCode": "54"})

    response = snap.call(STATUS, body, **call)

    assert response.status_code == 400
    assert response.json() == {"responseCode": "4005502", "responseMessage": message}
