"""POST /v1/notifications/midtrans/{token} through the handler: moto (tables, KMS, the platform's bus routed to an
SQS queue so that published events can be read back), Midtrans' status API from `responses`, the fixtures in
events/midtrans_notifications.*.json (docs/decisions.md D31)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import responses

from midtrans_native import deps
from tests.conftest import load_event
from tests.integration.conftest import SANDBOX, SERVER_KEY, invoke

FIXTURE_TOKEN = load_event("midtrans_notifications.settlement")["pathParameters"]["token"]
ORDER = "ORDER-SETTLEMENT-GOPAY-001"
STATUS_URL = f"{SANDBOX}/v2/{ORDER}/status"


def signed(body: dict[str, Any], key: str = SERVER_KEY) -> dict[str, Any]:
    material = f"{body['order_id']}{body['status_code']}{body['gross_amount']}{key}"
    return {**body, "signature_key": hashlib.sha512(material.encode()).hexdigest()}


def status_body(state: str, *, order_id: str = ORDER, code: str = "200", **extra: Any) -> dict[str, Any]:
    return {
        "status_code": code,
        "status_message": "Success, transaction is found",
        "transaction_id": "tx-1",
        "order_id": order_id,
        "gross_amount": "150000.00",
        "payment_type": "gopay",
        "transaction_status": state,
        "fraud_status": "accept",
        "currency": "IDR",
        "transaction_time": "2026-11-20 10:00:00",
        **extra,
    }


@pytest.fixture
def token(connected: str) -> str:
    """tenant-demo's notification token, as GET /v1/connection shows it in the URL."""
    code, view = invoke("connection", load_event("connection.get"))
    assert code == 200 and view["notification_url"], view
    return str(view["notification_url"]).rsplit("/", 1)[-1]


@pytest.fixture
def bus_queue(aws: dict[str, str]) -> Iterator[Any]:
    """Everything published on the platform's bus lands in this queue (an EventBridge rule, as the template's
    optional API destination rule matches: source midtrans-native)."""
    events, sqs = boto3.client("events"), boto3.client("sqs")
    queue_url = sqs.create_queue(QueueName="platform-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = aws["PlatformEventsBus"]
    events.put_rule(Name="all", EventBusName=bus, EventPattern=json.dumps({"source": ["midtrans-native"]}))
    events.put_targets(Rule="all", EventBusName=bus, Targets=[{"Id": "queue", "Arn": arn}])

    class Queue:
        def drain(self) -> list[dict[str, Any]]:
            got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
            for message in got:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            return [json.loads(message["Body"]) for message in got]

    yield Queue()


def notify(token: str, body: dict[str, Any] | str, name: str = "midtrans_notifications.settlement") -> tuple[int, Any]:
    return invoke("midtrans_notifications", load_event(name, path={"token": token}, body=body))


def fixture_body(name: str = "midtrans_notifications.settlement") -> dict[str, Any]:
    return dict(json.loads(load_event(name)["body"]))


def receipts(aws: dict[str, str]) -> list[dict[str, Any]]:
    return list(boto3.client("dynamodb").scan(TableName=aws["NotificationReceiptsTable"])["Items"])


def test_the_documented_settlement_is_verified_re_read_and_published_once(
    token: str, midtrans: responses.RequestsMock, bus_queue: Any, aws: dict[str, str]
) -> None:
    midtrans.get(STATUS_URL, json=status_body("settlement"))
    # The fixture is signed for tenant-demo's server key; only its token differs per connect.
    code, answer = invoke(
        "midtrans_notifications", load_event("midtrans_notifications.settlement", path={"token": token})
    )
    assert (code, answer) == (200, {"outcome": "accepted", "event_type": "payment_received"})
    assert [call.request.url for call in midtrans.calls] == [STATUS_URL]  # the status API is the truth
    (event,) = bus_queue.drain()
    assert (event["source"], event["detail-type"]) == ("midtrans-native", "payment_received")
    detail = event["detail"]
    assert (detail["cid"], detail["order_id"], detail["gross_amount"]) == ("tenant-demo", ORDER, 150000)
    assert detail["conversation_id"] is None and detail["locale"] == "en"  # no conversation knows this order
    assert "IDR 150,000" in detail["message"] and ORDER in detail["message"]
    assert "Rp150.000" in detail["messages"]["id"]
    assert len(receipts(aws)) == 1


def test_repeats_and_stale_states_are_duplicates(token: str, midtrans: responses.RequestsMock, bus_queue: Any) -> None:
    midtrans.get(STATUS_URL, json=status_body("settlement"))
    assert notify(token, fixture_body())[1]["outcome"] == "accepted"
    assert notify(token, fixture_body()) == (200, {"outcome": "duplicate", "event_type": None})
    # A "pending" sent before the settlement arrives after it: the status read says settlement → nothing new.
    stale = signed({**fixture_body(), "transaction_status": "pending", "status_code": "201"})
    assert notify(token, stale) == (200, {"outcome": "duplicate", "event_type": None})
    assert len(bus_queue.drain()) == 1


def test_the_status_read_wins_over_the_notification(
    token: str, midtrans: responses.RequestsMock, bus_queue: Any
) -> None:
    midtrans.get(STATUS_URL, json=status_body("expire", code="407"))
    pending = signed({**fixture_body(), "transaction_status": "pending", "status_code": "201"})
    assert notify(token, pending) == (200, {"outcome": "accepted", "event_type": "payment_expired"})
    (event,) = bus_queue.drain()
    assert event["detail"]["transaction_status"] == "expire"


def test_a_state_without_news_is_recorded_without_an_event(
    token: str, midtrans: responses.RequestsMock, bus_queue: Any, aws: dict[str, str]
) -> None:
    midtrans.get(STATUS_URL, json=status_body("pending", code="201"))
    assert notify(token, fixture_body()) == (200, {"outcome": "accepted", "event_type": None})
    assert bus_queue.drain() == [] and len(receipts(aws)) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"signature_key": "0" * 128},
        {"signature_key": None},
        {"gross_amount": "150000"},  # signed over "150000.00": the exact string matters
        {"order_id": "ORDER-SETTLEMENT-CARD-001"},  # another order under the same signature
    ],
    ids=["wrong", "missing", "amount_without_decimals", "other_order"],
)
def test_a_bad_signature_is_refused_and_changes_nothing(
    token: str, midtrans: responses.RequestsMock, bus_queue: Any, aws: dict[str, str], change: dict[str, Any]
) -> None:
    body = {k: v for k, v in {**fixture_body(), **change}.items() if v is not None}
    code, answer = notify(token, body)
    assert (code, answer["error"]) == (401, "bad_signature")
    assert SERVER_KEY not in json.dumps(answer)
    assert len(midtrans.calls) == 0 and receipts(aws) == [] and bus_queue.drain() == []


def test_the_forged_fixture_is_refused(token: str, midtrans: responses.RequestsMock, aws: dict[str, str]) -> None:
    name = "midtrans_notifications.bad_signature"
    code, answer = invoke("midtrans_notifications", load_event(name, path={"token": token}))
    assert (code, answer["error"]) == (401, "bad_signature")
    assert len(midtrans.calls) == 0 and receipts(aws) == []


@pytest.mark.parametrize("unknown", [FIXTURE_TOKEN, "short", "x" * 43, "not a token at all " * 3, '"#?<script>'])
def test_an_unknown_url_is_404_before_anything_is_read(
    connected: str, midtrans: responses.RequestsMock, aws: dict[str, str], unknown: str
) -> None:
    code, answer = notify(unknown, "not even json")
    assert (code, answer["error"]) == (404, "unknown_notification_url")
    assert len(midtrans.calls) == 0 and receipts(aws) == []


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("order_id=1", "application/x-www-form-urlencoded", 415),
        ("{", "application/json", 422),
        ("", "application/json", 400),
        (json.dumps({"status_code": "200"}), "application/json", 400),
    ],
    ids=["form", "broken_json", "empty", "no_order_id"],
)
def test_what_is_not_a_notification_is_refused(
    token: str, midtrans: responses.RequestsMock, aws: dict[str, str], body: str, content_type: str, expected: int
) -> None:
    event = load_event("midtrans_notifications.settlement", path={"token": token}, body=body)
    event["headers"]["content-type"] = content_type
    code, _ = invoke("midtrans_notifications", event)
    assert code == expected
    assert len(midtrans.calls) == 0 and receipts(aws) == []


def test_a_failed_status_read_answers_503_and_the_retry_publishes_once(
    token: str, midtrans: responses.RequestsMock, bus_queue: Any, aws: dict[str, str]
) -> None:
    midtrans.get(STATUS_URL, status=500, body="upstream down")
    code, answer = notify(token, fixture_body())
    assert (code, answer["error"]) == (503, "retry_later")
    assert receipts(aws) == [] and bus_queue.drain() == []
    midtrans.replace(responses.GET, STATUS_URL, json=status_body("settlement"))
    assert notify(token, fixture_body())[1]["outcome"] == "accepted"
    assert len(bus_queue.drain()) == 1


def test_a_link_sent_in_a_conversation_names_it_even_with_a_suffixed_purchase(
    token: str, midtrans: responses.RequestsMock, bus_queue: Any
) -> None:
    link_order = "LINK-ORDER-77"
    purchase = f"{link_order}-1795256100000"
    deps.order_context_store().remember(
        cid="tenant-demo",
        order_id=link_order,
        conversation_id="conv-link-1",
        channel_type="whatsapp",
        locale="id",
        source="payment_link",
        ttl_days=30,
    )
    midtrans.get(f"{SANDBOX}/v2/{purchase}/status", json=status_body("settlement", order_id=purchase))
    midtrans.get(
        f"{SANDBOX}/v1/payment-links/{link_order}",
        json={
            "order_id": link_order,
            "payment_link_url": "https://app.sandbox.midtrans.com/payment-links/abc-123",
            "purchases": [{"order_id": purchase, "transaction_id": "tx-1", "payment_status": "SETTLEMENT"}],
        },
    )
    body = signed({**fixture_body(), "order_id": purchase})
    assert notify(token, body)[1] == {"outcome": "accepted", "event_type": "payment_received"}
    (event,) = bus_queue.drain()
    detail = event["detail"]
    assert (detail["conversation_id"], detail["channel_type"], detail["locale"]) == ("conv-link-1", "whatsapp", "id")
    assert (detail["order_id"], detail["link_order_id"]) == (purchase, link_order)
    assert link_order in detail["message"] and detail["message"].startswith("Pembayaran Anda sebesar Rp150.000")


def test_a_prefix_alone_does_not_claim_an_order(token: str, midtrans: responses.RequestsMock, bus_queue: Any) -> None:
    """A link "SHOP" and an unrelated order "SHOP-9": Midtrans does not list the transaction under the link."""
    deps.order_context_store().remember(
        cid="tenant-demo",
        order_id="SHOP",
        conversation_id="conv-other",
        channel_type=None,
        locale="en",
        source="payment_link",
        ttl_days=30,
    )
    midtrans.get(f"{SANDBOX}/v2/SHOP-9/status", json=status_body("settlement", order_id="SHOP-9"))
    midtrans.get(
        f"{SANDBOX}/v1/payment-links/SHOP",
        json={
            "order_id": "SHOP",
            "payment_link_url": "https://app.sandbox.midtrans.com/payment-links/s",
            "purchases": [],
        },
    )
    assert notify(token, signed({**fixture_body(), "order_id": "SHOP-9"}))[0] == 200
    (event,) = bus_queue.drain()
    assert event["detail"]["conversation_id"] is None and event["detail"]["link_order_id"] is None


def test_a_partial_refund_then_the_rest_are_two_events(
    token: str, midtrans: responses.RequestsMock, bus_queue: Any
) -> None:
    first = {"refund_amount": "50000.00", "refunds": [{"refund_amount": "50000.00", "refund_key": "k1"}]}
    midtrans.get(STATUS_URL, json=status_body("partial_refund", **first))
    assert notify(token, fixture_body())[1]["event_type"] == "partial_refund"
    both = {
        "refund_amount": "150000.00",
        "refunds": [
            {"refund_amount": "50000.00", "refund_key": "k1"},
            {"refund_amount": "100000.00", "refund_key": "k2"},
        ],
    }
    midtrans.replace(responses.GET, STATUS_URL, json=status_body("refund", **both))
    assert notify(token, fixture_body())[1]["event_type"] == "refund_completed"
    assert notify(token, fixture_body())[1]["outcome"] == "duplicate"
    partial, full = (event["detail"] for event in bus_queue.drain())
    assert (partial["refunded_amount"], full["refunded_amount"]) == (50000, 150000)
    assert "IDR 50,000" in partial["message"] and "IDR 100,000" in full["message"]  # this refund's own amount


def test_the_url_survives_re_authorization_and_dies_with_a_disconnect(
    token: str, midtrans: responses.RequestsMock
) -> None:
    midtrans.get(STATUS_URL, json=status_body("settlement"))
    code, _ = invoke("connection", load_event("connection.put_sandbox"))  # re-authorize: same account
    assert code == 200
    assert notify(token, fixture_body())[1]["outcome"] == "accepted"
    assert invoke("connection", load_event("connection.delete"))[0] == 200
    assert notify(token, fixture_body())[0] == 404
    assert invoke("connection", load_event("connection.put_sandbox"))[0] == 200
    code, view = invoke("connection", load_event("connection.get"))
    new_token = view["notification_url"].rsplit("/", 1)[-1]
    assert new_token != token
    assert notify(token, fixture_body())[0] == 404
    assert notify(new_token, fixture_body())[1]["outcome"] == "duplicate"  # the same tenant's receipt stands
