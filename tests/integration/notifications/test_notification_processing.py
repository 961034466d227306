"""actions.notifications with its collaborators passed in: the receipts and order contexts on moto, Midtrans' status
and the bus as fakes (docs/decisions.md D31). What the handler tests cannot provoke: the bus refusing an event, a
BI-SNAP notification signed by Midtrans' key, a receipt held by a live invocation."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import SecretStr

from midtrans_native import deps
from midtrans_native.actions import notifications
from midtrans_native.errors import MidtransError, RequestRefused
from midtrans_native.midtrans.notification_signatures import bisnap_string_to_sign
from midtrans_native.models.midtrans import BiSnapCredentials, MidtransCredentials, TransactionStatus
from midtrans_native.stores.notification_receipts import NotificationReceipts
from midtrans_native.stores.platform_events import EventPublishFailed
from tests.conftest import load_event
from tests.integration.conftest import invoke

MIDTRANS_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = (
    MIDTRANS_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
PATH = "/v1/notifications/midtrans/tok/v1.0/debit/notify"


class Status:
    """A PaymentsClient that answers one status (a test may change it between notifications) and counts the reads."""

    def __init__(self, state: str, fraud_status: str | None = None) -> None:
        self.state, self.fraud_status = state, fraud_status
        self.reads = 0

    def get_status(self, order_id: str) -> TransactionStatus:
        self.reads += 1
        return TransactionStatus(
            status_code="200",
            order_id=order_id,
            transaction_id="tx-9",
            transaction_status=self.state,
            fraud_status=self.fraud_status,
            payment_type="credit_card" if self.fraud_status else "gopay",
            gross_amount=Decimal("150000.00"),
        )


class Bus:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.published: list[tuple[str, dict[str, Any]]] = []

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        if self.fail:
            raise EventPublishFailed("EventBridge refused the event: InternalFailure")
        self.published.append((detail_type, detail))


def credentials(public_key: str | None = PUBLIC_PEM) -> MidtransCredentials:
    return MidtransCredentials(
        cid="tenant-snap",
        environment="sandbox",
        server_key=SecretStr("SB-Mid-server-LOCALSIMULATOR01"),
        bisnap=BiSnapCredentials(
            client_id="client-1",
            partner_id="partner-1",
            merchant_id="G000000001",
            channel_id="12345",
            client_secret=SecretStr("secret-123"),
            private_key=SecretStr("unused"),
            midtrans_public_key=public_key,
        ),
    )


def collaborators(status: Status, bus: Bus) -> notifications.Collaborators:
    return notifications.Collaborators(
        core_api=lambda _: status,  # type: ignore[arg-type,return-value]
        links=lambda _: pytest.fail("no link lookup expected"),  # type: ignore[arg-type,return-value]
        receipts=NotificationReceipts(deps.dynamodb_client(), deps.get_settings().notification_receipts_table_name),
        contexts=deps.order_context_store(),
        events=bus,  # type: ignore[arg-type]
        now=lambda: datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
    )


def bisnap_request(order_id: str = "ORDER-SNAP-1") -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "originalPartnerReferenceNo": order_id,
            "originalReferenceNo": "A120240319143000",
            "latestTransactionStatus": "00",
            "amount": {"value": "150000.00", "currency": "IDR"},
            "additionalInfo": {},
        },
        separators=(",", ":"),
    ).encode()
    timestamp = "2026-11-27T17:00:00+07:00"
    signature = MIDTRANS_KEY.sign(
        bisnap_string_to_sign(PATH, body, timestamp).encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    return body, {"x-timestamp": timestamp, "x-signature": base64.b64encode(signature).decode()}


def test_a_bus_failure_answers_503_and_releases_the_receipt(aws: dict[str, str]) -> None:
    status, failing = Status("settlement"), Bus(fail=True)
    with pytest.raises(RequestRefused) as refused:
        notifications.process("tenant-snap", credentials(), "ORDER-1", collaborators(status, failing))
    assert refused.value.http_status == 503
    working = Bus()
    assert notifications.process("tenant-snap", credentials(), "ORDER-1", collaborators(status, working)).outcome == (
        "accepted"
    )
    assert [kind for kind, _ in working.published] == ["payment_received"]  # Midtrans' retry published it, once


def test_a_receipt_held_by_a_live_invocation_is_retried_later_not_dropped(aws: dict[str, str]) -> None:
    status, bus = Status("settlement"), Bus()
    receipt = notifications.receipt_id("tenant-snap", status.get_status("ORDER-2"))
    deps_ = collaborators(status, bus)
    assert deps_.receipts.begin(receipt, lease_seconds=35) == "new"  # another invocation is processing it
    with pytest.raises(RequestRefused) as refused:
        notifications.process("tenant-snap", credentials(), "ORDER-2", deps_)
    assert refused.value.http_status == 503 and bus.published == []


def test_a_bisnap_notification_signed_by_midtrans_is_processed(aws: dict[str, str]) -> None:
    status, bus = Status("settlement"), Bus()
    body, headers = bisnap_request()
    processed = notifications.receive_bisnap_notification(
        credentials(), PATH, body, headers, collaborators(status, bus)
    )
    assert (processed.outcome, processed.event_type) == ("accepted", "payment_received")
    assert status.reads == 1 and bus.published[0][1]["order_id"] == "ORDER-SNAP-1"


@pytest.mark.parametrize(
    "tamper",
    ["body", "path", "timestamp", "no_public_key", "no_signature"],
)
def test_a_bisnap_notification_that_does_not_verify_changes_nothing(aws: dict[str, str], tamper: str) -> None:
    status, bus = Status("settlement"), Bus()
    body, headers = bisnap_request()
    path, creds = PATH, credentials()
    if tamper == "body":
        body = body.replace(b"ORDER-SNAP-1", b"ORDER-SNAP-2")
    elif tamper == "path":
        path = PATH.replace("tok", "other")
    elif tamper == "timestamp":
        headers["x-timestamp"] = "2026-11-27T17:00:01+07:00"
    elif tamper == "no_public_key":
        creds = credentials(public_key=None)
    else:
        headers.pop("x-signature")
    with pytest.raises(RequestRefused) as refused:
        notifications.receive_bisnap_notification(creds, path, body, headers, collaborators(status, bus))
    assert (refused.value.http_status, refused.value.error) == (401, "bad_signature")
    assert status.reads == 0 and bus.published == []


def test_the_bisnap_route_answers_in_the_bisnap_envelope(connected: str) -> None:
    """tenant-demo has no Midtrans public key: a BI-SNAP notification to its URL is refused, in BI-SNAP's terms."""
    _, view = invoke("connection", load_event("connection.get"))
    token = view["notification_url"].rsplit("/", 1)[-1]
    event = load_event("midtrans_notifications.settlement", path={"token": token})
    event["rawPath"] += "/v1.0/debit/notify"
    event["requestContext"]["http"]["path"] = event["rawPath"]
    event["routeKey"] = "POST /v1/notifications/midtrans/{token}/v1.0/debit/notify"
    body, headers = bisnap_request()
    event["body"], event["headers"] = body.decode(), {**event["headers"], **headers}
    assert invoke("midtrans_notifications", event) == (
        401,
        {"responseCode": "4015600", "responseMessage": "Unauthorized. Signature"},
    )
    event["pathParameters"]["token"] = "x" * 43
    event["rawPath"] = event["rawPath"].replace(token, "x" * 43)
    event["requestContext"]["http"]["path"] = event["rawPath"]
    assert invoke("midtrans_notifications", event) == (404, {"responseCode": "4045600", "responseMessage": "Not Found"})
    # a token no route pattern matches (API Gateway routes any segment here): the same 404, in the same envelope
    odd = '"#?<x>'
    event["pathParameters"]["token"] = odd
    event["rawPath"] = event["rawPath"].replace("x" * 43, odd)
    event["requestContext"]["http"]["path"] = event["rawPath"]
    assert invoke("midtrans_notifications", event) == (404, {"responseCode": "4045600", "responseMessage": "Not Found"})


def test_a_card_payment_is_received_once_though_captured_then_settled(aws: dict[str, str]) -> None:
    status, bus = Status("capture", fraud_status="accept"), Bus()
    deps_ = collaborators(status, bus)
    assert notifications.process("tenant-snap", credentials(), "ORDER-CARD", deps_).outcome == "accepted"
    status.state = "settlement"  # the next day: the same payment, settled
    assert notifications.process("tenant-snap", credentials(), "ORDER-CARD", deps_).outcome == "duplicate"
    assert [kind for kind, _ in bus.published] == ["payment_received"]


def test_a_challenged_capture_then_accepted_is_received_when_accepted(aws: dict[str, str]) -> None:
    status, bus = Status("capture", fraud_status="challenge"), Bus()
    deps_ = collaborators(status, bus)
    assert notifications.process("tenant-snap", credentials(), "ORDER-FDS", deps_).event_type is None
    status.fraud_status = "accept"  # the merchant approved it in the dashboard
    processed = notifications.process("tenant-snap", credentials(), "ORDER-FDS", deps_)
    assert (processed.outcome, processed.event_type) == ("accepted", "payment_received")
    assert [kind for kind, _ in bus.published] == ["payment_received"]


class Broken:
    """A collaborator that fails the way AWS clients do (not a MidtransError)."""

    def get_status(self, order_id: str) -> TransactionStatus:
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "GetItem")

    def tenant_by_notification_token(self, token: str) -> None:
        raise ClientError({"Error": {"Code": "ThrottlingException"}}, "Query")


def test_any_failure_after_the_signature_or_in_the_tenant_lookup_answers_503(aws: dict[str, str]) -> None:
    """Midtrans retries a 503 (four times) but a 500 once: a BI-SNAP token cache or a table failing is a 503 too."""
    bus = Bus()
    deps_ = collaborators(Status("settlement"), bus)
    deps_ = replace(deps_, core_api=lambda _: Broken())
    with pytest.raises(RequestRefused) as refused:
        notifications.process("tenant-snap", credentials(), "ORDER-1", deps_)
    assert refused.value.http_status == 503 and bus.published == []
    with pytest.raises(RequestRefused) as refused:
        notifications.tenant_for("A" * 43, Broken())  # type: ignore[arg-type]
    assert refused.value.http_status == 503


def test_a_deleted_link_is_not_the_purchase_s_link_and_does_not_stall_the_notification(aws: dict[str, str]) -> None:
    """A suffixed order whose prefix names a link Midtrans no longer has: the event goes out without a conversation
    instead of a 503 that Midtrans would retry for six hours."""
    deps.order_context_store().remember(
        cid="tenant-snap",
        order_id="SHOP-77",
        conversation_id="conv-1",
        channel_type="whatsapp",
        locale="en",
        source="payment_link",
        ttl_days=30,
    )

    class Gone:
        def get(self, order_id: str) -> None:
            raise MidtransError(f"payment link {order_id}: HTTP 404", http_status=404)

    bus = Bus()
    deps_ = collaborators(Status("settlement"), bus)
    deps_ = replace(deps_, links=lambda _: Gone())
    processed = notifications.process("tenant-snap", credentials(), "SHOP-77-1", deps_)
    assert (processed.outcome, processed.event_type) == ("accepted", "payment_received")
    assert bus.published[0][1]["conversation_id"] is None
