"""HTTP notifications (webhooks) from the simulator to a merchant's URL, and the payment events that send them.

A small loopback receiver plays the merchant: it records every request and answers a programmable status.
Signatures are recomputed here from the contract (sha512 of the exact strings; RSA for BI-SNAP), not with the
simulator's own helpers. Tests wait with wait_for_notifications / drain, never on the wall clock.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from midtrans_local.simulator import PRODUCTION_SERVER_KEY, SANDBOX_SERVER_KEY, transaction_id_for

from .conftest import MERCHANT_A, TIMEOUT

TOKEN_PATH = "/v1/notifications/midtrans/tok-123"
PENDING_VA, PENDING_GOPAY, SETTLED_GOPAY = "ORDER-PENDING-001", "ORDER-PENDING-GOPAY-001", "ORDER-SETTLEMENT-GOPAY-001"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")
LINK = {
    "transaction_details": {"order_id": "1525840754698-1658897316", "gross_amount": 10000},
    "custom_field1": "conversation-42",
    "enabled_payments": ["gopay", "bca_va", "other_qris"],
}
LINK_ID = LINK["transaction_details"]["order_id"]


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.body)
        return body


class Receiver:
    """The merchant's notification endpoint: records requests, answers the queued statuses, then 200."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._statuses: deque[int] = deque()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    status = receiver._statuses.popleft() if receiver._statuses else 200
                snap = self.path.startswith(TOKEN_PATH + "/v1.0/")
                answer = {"responseCode": "2005600", "responseMessage": "Request has been processed successfully"}
                data = json.dumps(answer if snap else {"received": True}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{TOKEN_PATH}"

    def answer(self, *statuses: int) -> None:
        with self._lock:
            self._statuses.extend(statuses)

    def bodies(self) -> list[dict[str, Any]]:
        return [request.json() for request in self.received]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def hooked(sim, receiver):
    """The sandbox merchant's notification URL points at the receiver; retries are quick."""
    sim.set_notification_url(receiver.url)
    sim.set_notification_retry_delays([0.01] * 5)
    return sim


def signature_of(body: dict[str, Any], server_key: str = SANDBOX_SERVER_KEY) -> str:
    text = body["order_id"] + body["status_code"] + body["gross_amount"] + server_key
    return hashlib.sha512(text.encode()).hexdigest()


def only_notification(sim, receiver) -> dict[str, Any]:
    """The single notification the last action sent (and that nothing else was sent)."""
    sim.wait_for_notifications(1)
    sim.drain()
    assert len(receiver.received) == 1, receiver.bodies()
    body = receiver.received[0].json()
    assert body["signature_key"] == signature_of(body)
    return body


def create_link(api, key: str = SANDBOX_SERVER_KEY, **extra: Any) -> None:
    response = api.post("/v1/payment-links", {**LINK, **extra}, key=key)
    assert response.status_code == 200, response.text


# --- the Core API notification ------------------------------------------------------------------------------


def test_settle_sends_one_notification_signed_as_midtrans_signs(hooked, receiver):
    hooked.settle(PENDING_VA)

    delivered = hooked.wait_for_notifications(1)
    hooked.drain()
    assert len(receiver.received) == 1
    request = receiver.received[0]
    assert request.path == TOKEN_PATH
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"] == "Veritrans"
    assert "authorization" not in request.headers
    body = request.json()
    assert (body["transaction_status"], body["status_code"]) == ("settlement", "200")
    assert body["status_message"] == "midtrans payment notification"
    assert body["gross_amount"] == "150000.00"
    assert (body["order_id"], body["transaction_id"]) == (PENDING_VA, transaction_id_for(PENDING_VA))
    assert (body["currency"], body["fraud_status"], body["payment_type"]) == ("IDR", "accept", "bank_transfer")
    assert body["signature_key"] == signature_of(body)
    assert body["settlement_time"] == hooked.transaction(PENDING_VA)["settlement_time"]
    assert "expiry_time" not in body
    assert body["va_numbers"] == [{"bank": "bca", "va_number": "12345678901"}]
    assert delivered[0]["body"] == body
    assert (delivered[0]["attempt"], delivered[0]["answer_status"], delivered[0]["url"]) == (1, 200, receiver.url)


@pytest.mark.parametrize(("action", "status"), [("expire", "expire"), ("deny", "deny"), ("fail", "failure")])
def test_unpaid_outcomes_are_notified_with_status_code_202(hooked, receiver, api, action, status):
    getattr(hooked, action)(PENDING_VA)

    body = only_notification(hooked, receiver)
    assert (body["transaction_status"], body["status_code"]) == (status, "202")
    assert "settlement_time" not in body
    assert api.status(PENDING_VA)["transaction_status"] == status


def test_expire_through_the_api_notifies_202_while_the_status_api_keeps_407(hooked, receiver, api):
    answer = api.post(f"/v2/{PENDING_VA}/expire").json()

    body = only_notification(hooked, receiver)
    assert answer["status_code"] == "407"
    assert api.status(PENDING_VA)["status_code"] == "407"
    assert (body["transaction_status"], body["status_code"]) == ("expire", "202")


def test_cancel_through_the_api_notifies_cancel(hooked, receiver, api):
    assert api.post(f"/v2/{PENDING_GOPAY}/cancel").json()["status_code"] == "200"

    body = only_notification(hooked, receiver)
    assert (body["order_id"], body["transaction_status"], body["status_code"]) == (PENDING_GOPAY, "cancel", "202")


def test_a_bisnap_cancel_sends_the_core_notification_too(hooked, receiver, snap):
    response = snap.call("/v1.0/debit/cancel", {"originalPartnerReferenceNo": PENDING_GOPAY})

    assert response.json()["responseCode"] == "2005700"
    body = only_notification(hooked, receiver)
    assert (body["order_id"], body["transaction_status"]) == (PENDING_GOPAY, "cancel")


def test_a_refund_then_its_bank_confirmation_each_notify_with_the_refunds(hooked, receiver, api):
    assert api.refund(SETTLED_GOPAY, amount=50000, refund_key="rk-1")["status_code"] == "200"
    hooked.wait_for_notifications(1)

    hooked.confirm_refund(SETTLED_GOPAY)

    hooked.wait_for_notifications(2)
    hooked.drain()
    requested, confirmed = receiver.bodies()
    for body in (requested, confirmed):
        assert (body["transaction_status"], body["status_code"]) == ("partial_refund", "200")
        assert body["signature_key"] == signature_of(body)
        assert body["refund_amount"] == "50000.00"
        assert body["gross_amount"] == "150000.00"
        assert "settlement_time" in body
    assert [r["refund_key"] for r in requested["refunds"]] == ["rk-1"]
    assert "bank_confirmed_at" not in requested["refunds"][0]
    assert confirmed["refunds"][0]["refund_amount"] == "50000.00"
    assert confirmed["refunds"][0]["refund_method"] == "online"
    assert "bank_confirmed_at" in confirmed["refunds"][0]
    assert confirmed["refunds"] == api.status(SETTLED_GOPAY)["refunds"]
    with pytest.raises(ValueError, match="already confirmed"):
        hooked.confirm_refund(SETTLED_GOPAY)


def test_illegal_events_are_refused_and_send_nothing(hooked, receiver):
    with pytest.raises(ValueError, match="settlement"):
        hooked.settle(SETTLED_GOPAY)
    with pytest.raises(ValueError, match="no refund"):
        hooked.confirm_refund(SETTLED_GOPAY)
    with pytest.raises(LookupError):
        hooked.expire("NO-SUCH-ORDER")

    assert hooked.drain() == []
    assert receiver.received == []


# --- payment links ------------------------------------------------------------------------------------------


def test_pay_link_creates_a_suffixed_purchase_listed_on_the_link(hooked, receiver, api):
    create_link(api)

    purchase = hooked.pay_link(LINK_ID)

    order_id = purchase["order_id"]
    assert re.fullmatch(re.escape(LINK_ID) + r"-\d{13}", order_id)
    assert order_id.startswith(LINK_ID + "-")
    assert (purchase["transaction_status"], purchase["payment_type"]) == ("settlement", "gopay")
    link = api.get(f"/v1/payment-links/{LINK_ID}").json()
    assert link["usage"] == 1
    [listed] = link["purchases"]
    assert listed["order_id"] == order_id
    assert listed["transaction_id"] == purchase["transaction_id"]
    assert (listed["payment_status"], listed["payment_method"]) == ("SETTLEMENT", "gopay")
    assert isinstance(listed["id"], int)
    assert listed["snap_token"]
    status = api.status(order_id)
    assert (status["transaction_id"], status["gross_amount"]) == (purchase["transaction_id"], "10000.00")
    assert api.status(purchase["transaction_id"])["order_id"] == order_id
    body = only_notification(hooked, receiver)
    assert (body["order_id"], body["transaction_status"], body["status_code"]) == (order_id, "settlement", "200")
    assert (body["gross_amount"], body["custom_field1"]) == ("10000.00", "conversation-42")


def test_a_bank_transfer_purchase_is_pending_until_it_settles(hooked, receiver, api):
    create_link(api)

    purchase = hooked.pay_link(LINK_ID, payment_type="bank_transfer")
    hooked.wait_for_notifications(1)
    pending_status = api.get(f"/v1/payment-links/{LINK_ID}").json()["purchases"][0]["payment_status"]
    hooked.settle(purchase["order_id"])

    hooked.wait_for_notifications(2)
    hooked.drain()
    pending, settled = receiver.bodies()
    assert (pending["transaction_status"], pending["status_code"]) == ("pending", "201")
    assert pending["expiry_time"] == purchase["expiry_time"]
    assert pending["va_numbers"][0]["bank"] == "bca"
    assert (settled["transaction_status"], settled["status_code"]) == ("settlement", "200")
    assert all(body["signature_key"] == signature_of(body) for body in (pending, settled))
    assert pending_status == "PENDING"
    assert api.get(f"/v1/payment-links/{LINK_ID}").json()["purchases"][0]["payment_status"] == "SETTLEMENT"


def test_an_unsuffixed_purchase_takes_the_link_order_id_once(hooked, api):
    create_link(api)

    purchase = hooked.pay_link(LINK_ID, payment_type="qris", suffixed=False)

    assert (purchase["order_id"], purchase["payment_type"]) == (LINK_ID, "qris")
    with pytest.raises(ValueError, match="already has a transaction"):
        hooked.pay_link(LINK_ID, suffixed=False)


def test_a_purchase_belongs_to_the_key_that_created_the_link(sim, receiver, api):
    create_link(api, key=PRODUCTION_SERVER_KEY)
    sim.set_notification_url(receiver.url, server_key=PRODUCTION_SERVER_KEY)

    sim.pay_link(LINK_ID)

    sim.wait_for_notifications(1)
    body = receiver.received[0].json()
    assert body["signature_key"] == signature_of(body, PRODUCTION_SERVER_KEY)
    assert body["signature_key"] != signature_of(body, SANDBOX_SERVER_KEY)


def test_pay_link_refusals(hooked, api):
    create_link(api, usage_limit=1)
    with pytest.raises(ValueError, match="does not enable"):
        hooked.pay_link(LINK_ID, payment_type="credit_card")
    with pytest.raises(ValueError, match="gross_amount"):
        hooked.pay_link(LINK_ID, amount=5000)
    hooked.pay_link(LINK_ID)

    with pytest.raises(ValueError, match="usage_limit"):
        hooked.pay_link(LINK_ID)
    with pytest.raises(LookupError):
        hooked.pay_link("NO-SUCH-LINK")
    assert api.delete(f"/v1/payment-links/{LINK_ID}").status_code == 200
    with pytest.raises(ValueError, match="deleted"):
        hooked.pay_link(LINK_ID)


def test_an_expired_purchase_frees_its_usage_slot(hooked, api):
    create_link(api, usage_limit=1)
    first = hooked.pay_link(LINK_ID, payment_type="bca_va")
    hooked.expire(first["order_id"])

    second = hooked.pay_link(LINK_ID)

    purchases = api.get(f"/v1/payment-links/{LINK_ID}").json()["purchases"]
    assert [p["order_id"] for p in purchases] == [first["order_id"], second["order_id"]]
    assert [p["payment_status"] for p in purchases] == ["EXPIRE", "SETTLEMENT"]


# --- delivery: retries, no URL, duplicates and stale states ---------------------------------------------------


def test_a_receiver_answering_500_twice_then_200_gets_three_attempts(hooked, receiver):
    receiver.answer(500, 500)

    hooked.settle(PENDING_VA)

    hooked.wait_for_notifications(1)
    records = hooked.drain()
    assert [(r["attempt"], r["answer_status"], r["delivered"]) for r in records] == [
        (1, 500, False),
        (2, 500, False),
        (3, 200, True),
    ]
    assert len({r["delivery_id"] for r in records}) == 1
    assert len(receiver.received) == 3
    assert len({request.body for request in receiver.received}) == 1  # a retry sends the same bytes


def test_delivery_gives_up_after_five_retries(hooked, receiver):
    receiver.answer(*[503] * 10)

    hooked.settle(PENDING_VA)

    records = hooked.drain()
    assert [r["attempt"] for r in records] == [1, 2, 3, 4, 5, 6]
    assert len(receiver.received) == 6
    with pytest.raises(TimeoutError, match="attempt 6 -> 503"):
        hooked.wait_for_notifications(1, timeout=0.05)


def test_an_unreachable_url_is_logged_and_retried(sim):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sim.set_notification_url(f"http://127.0.0.1:{port}/hook")
    sim.set_notification_retry_delays([0.01])

    sim.settle(PENDING_VA)

    records = sim.drain()
    assert [(r["attempt"], r["answer_status"], r["delivered"]) for r in records] == [(1, None, False), (2, None, False)]
    assert all("ConnectionError" in r["error"] for r in records)


def test_nothing_is_sent_when_the_transactions_key_has_no_url(sim, receiver):
    sim.set_notification_url(receiver.url, server_key=PRODUCTION_SERVER_KEY)  # seeded orders are sandbox's

    sim.settle(PENDING_VA)
    nothing = sim.drain()
    sim.set_notification_url(receiver.url)
    sim.set_notification_url(None, server_key=PRODUCTION_SERVER_KEY)
    sim.expire(PENDING_GOPAY)

    assert nothing == []
    sim.wait_for_notifications(1)
    assert [(b["order_id"], b["transaction_status"]) for b in receiver.bodies()] == [(PENDING_GOPAY, "expire")]


def test_reset_clears_the_url(sim, receiver):
    sim.set_notification_url(receiver.url)
    sim.reset()

    sim.settle(PENDING_VA)

    assert sim.drain() == []
    assert receiver.received == []
    with pytest.raises(ValueError, match="no notification URL"):
        sim.notify(PENDING_VA)


def test_notify_sends_the_current_state_again(hooked, receiver):
    hooked.settle(PENDING_VA)
    hooked.wait_for_notifications(1)

    queued = hooked.notify(PENDING_VA)

    hooked.wait_for_notifications(2)
    first, again = receiver.received
    assert first.body == again.body
    assert queued["body"] == again.json()


def test_a_stale_notification_is_signed_for_the_state_it_claims(hooked, receiver, api):
    hooked.settle(PENDING_VA)
    hooked.wait_for_notifications(1)

    hooked.notify(PENDING_VA, transaction_status="pending")

    hooked.wait_for_notifications(2)
    stale = receiver.received[1].json()
    assert (stale["transaction_status"], stale["status_code"]) == ("pending", "201")
    expected = hashlib.sha512(f"{PENDING_VA}201150000.00{SANDBOX_SERVER_KEY}".encode()).hexdigest()
    assert stale["signature_key"] == expected
    assert "expiry_time" in stale
    assert "settlement_time" not in stale
    assert api.status(PENDING_VA)["transaction_status"] == "settlement"
    with pytest.raises(ValueError, match="transaction_status must be one of"):
        hooked.notify(PENDING_VA, transaction_status="paid")


# --- BI-SNAP ----------------------------------------------------------------------------------------------------


def test_the_bisnap_notification_verifies_with_midtrans_public_key(hooked, receiver, snap, api):
    hooked.bisnap_notify(SETTLED_GOPAY)

    hooked.wait_for_notifications(1)
    request = receiver.received[0]
    headers = request.headers
    assert request.path == TOKEN_PATH + "/v1.0/debit/notify"
    assert headers["content-type"] == "application/json"
    assert ISO.match(headers["x-timestamp"])
    assert (headers["x-partner-id"], headers["channel-id"]) == (MERCHANT_A["partner_id"], "95221")
    assert headers["x-external-id"]
    published = api.get("/__simulator/bisnap/notification-public-key").json()["public_key_pem"]
    assert published == hooked.midtrans_public_key_pem()
    key = load_pem_public_key(published.encode())
    signature = base64.b64decode(headers["x-signature"])
    signed = f"POST:{request.path}:{hashlib.sha256(request.body).hexdigest()}:{headers['x-timestamp']}"
    key.verify(signature, signed.encode(), padding.PKCS1v15(), hashes.SHA256())  # raises when it does not verify
    altered = f"POST:{request.path}:{hashlib.sha256(request.body + b' ').hexdigest()}:{headers['x-timestamp']}"
    with pytest.raises(InvalidSignature):  # the check above can fail: other bytes do not verify
        key.verify(signature, altered.encode(), padding.PKCS1v15(), hashes.SHA256())
    body = request.json()
    assert request.body == json.dumps(body, separators=(",", ":")).encode()  # minified, sent as signed
    assert body == {
        "originalPartnerReferenceNo": SETTLED_GOPAY,
        "originalReferenceNo": transaction_id_for(SETTLED_GOPAY),
        "merchantId": MERCHANT_A["merchant_id"],
        "latestTransactionStatus": "00",
        "transactionStatusDesc": "settlement",
        "amount": {"value": "150000.00", "currency": "IDR"},
        "additionalInfo": {},
    }
    [record] = hooked.notifications()
    assert record["answer_body"] == json.dumps(
        {"responseCode": "2005600", "responseMessage": "Request has been processed successfully"}
    )


def test_the_bisnap_qris_notify_of_a_pending_payment(hooked, receiver, snap):
    with pytest.raises(ValueError, match="not sent for a qris payment"):
        hooked.bisnap_notify("ORDER-PENDING-QRIS-001")

    hooked.bisnap_notify("ORDER-PENDING-QRIS-001", path="/v1.0/qr/qr-mpm-notify")

    hooked.wait_for_notifications(1)
    request = receiver.received[0]
    assert request.path == TOKEN_PATH + "/v1.0/qr/qr-mpm-notify"
    body = request.json()
    assert (body["latestTransactionStatus"], body["amount"]["value"]) == ("03", "50000.00")


def test_bisnap_notify_needs_a_registered_merchant_for_the_key(sim, receiver):
    sim.set_notification_url(receiver.url, server_key=PRODUCTION_SERVER_KEY)
    create = {"transaction_details": {"order_id": "PROD-LINK", "gross_amount": 10000}}
    response = requests.post(
        sim.base_url + "/v1/payment-links", json=create, auth=(PRODUCTION_SERVER_KEY, ""), timeout=TIMEOUT
    )
    assert response.status_code == 200
    order_id = sim.pay_link("PROD-LINK")["order_id"]
    sim.wait_for_notifications(1)

    with pytest.raises(ValueError, match="no BI-SNAP merchant"):
        sim.bisnap_notify(order_id)
    with pytest.raises(ValueError, match="path must be one of"):
        sim.bisnap_notify(order_id, path="/v1.0/other")


# --- the control API ----------------------------------------------------------------------------------------


def test_the_control_api_drives_the_same_operations(sim, receiver, api):
    base = sim.base_url + "/__simulator"
    put = requests.put(f"{base}/notification-url", json={"url": receiver.url}, timeout=TIMEOUT)
    delays = requests.put(f"{base}/notifications/retry-delays", json={"delays": [0.01]}, timeout=TIMEOUT)
    create_link(api)

    settled = requests.post(f"{base}/orders/{PENDING_VA}/settle", timeout=TIMEOUT)
    paid = requests.post(f"{base}/payment-links/{LINK_ID}/pay", json={"payment_type": "bca_va"}, timeout=TIMEOUT)
    stale = requests.post(f"{base}/orders/{PENDING_VA}/notify", json={"transaction_status": "pending"}, timeout=TIMEOUT)
    waited = requests.post(f"{base}/notifications/wait", json={"count": 3}, timeout=TIMEOUT)

    assert (put.status_code, put.json()) == (200, {"environment": "sandbox", "url": receiver.url})
    assert delays.json() == {"delays": [0.01]}
    assert (settled.status_code, settled.json()["transaction_status"]) == (200, "settlement")
    assert (paid.status_code, paid.json()["transaction_status"]) == (201, "pending")
    assert stale.status_code == 202
    assert stale.json()["queued"]["body"]["status_code"] == "201"
    assert waited.status_code == 200
    assert len(waited.json()["notifications"]) == 3
    logged = requests.get(f"{base}/notifications", timeout=TIMEOUT).json()["notifications"]
    assert sorted(r["transaction_status"] for r in logged) == ["pending", "pending", "settlement"]
    assert requests.delete(f"{base}/notifications", timeout=TIMEOUT).json() == {"cleared": 3}
    assert sim.notifications() == []


def test_control_api_errors(sim, receiver):
    base = sim.base_url + "/__simulator"
    sim.set_notification_url(receiver.url)

    unknown = requests.post(f"{base}/orders/NO-SUCH-ORDER/settle", timeout=TIMEOUT)
    not_pending = requests.post(f"{base}/orders/{SETTLED_GOPAY}/expire", timeout=TIMEOUT)
    bad_url = requests.put(f"{base}/notification-url", json={"url": "ftp://x"}, timeout=TIMEOUT)
    bad_key = requests.put(f"{base}/notification-url", json={"url": receiver.url, "server_key": "k"}, timeout=TIMEOUT)
    bad_action = requests.post(f"{base}/orders/{PENDING_VA}/approve", timeout=TIMEOUT)
    timed_out = requests.post(f"{base}/notifications/wait", json={"count": 1, "timeout": 0.05}, timeout=TIMEOUT)

    assert unknown.status_code == 404
    assert not_pending.status_code == 409
    assert bad_url.status_code == bad_key.status_code == 400
    assert bad_action.status_code == 404
    assert timed_out.status_code == 504
    assert "0 of 1" in timed_out.json()["error"]


def test_the_control_index_lists_the_new_routes(api):
    routes = api.get("/__simulator/").json()["routes"]

    for expected in (
        "PUT /__simulator/notification-url",
        "GET /__simulator/notifications",
        "POST /__simulator/payment-links/{order_id}/pay",
        "POST /__simulator/orders/{order_id}/settle",
        "POST /__simulator/orders/{order_id}/confirm-refund",
        "POST /__simulator/orders/{order_id}/bisnap-notify",
        "GET /__simulator/bisnap/notification-public-key",
    ):
        assert any(route.startswith(expected) for route in routes), expected
