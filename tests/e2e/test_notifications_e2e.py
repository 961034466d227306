"""Midtrans payment notifications over HTTP, end to end: the agent sends a payment link in a conversation, the
simulator's customer pays it, Midtrans (the simulator) notifies the stack at the demo tenant's notification URL
(registered by the stack's seed), and the platform (a receiver on PLATFORM_EVENTS_URL) hears exactly one event for
that conversation. Re-sent, stale, forged and misaddressed notifications change nothing.

The stack is started the way the other e2e tests start theirs (`python -m midtrans_local.server`, workers), once per
module and test process, with PLATFORM_EVENTS_URL pointing at a receiver thread of this process."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from midtrans_local.simulator import SANDBOX_SERVER_KEY
from tests.conftest import EVENTS

from .conftest import RunningStack, start_stack, stop_stack
from .platform_receiver import Event, PlatformEventReceiver

pytestmark = pytest.mark.e2e

NOTIFICATION_PATH = "/v1/notifications/midtrans/"
CONVERSATION = "conv-e2e-notify"
PLATFORM_HEADERS = {"X-Conversation-Id": CONVERSATION, "X-Channel-Type": "whatsapp", "Accept-Language": "id"}
CONNECT = {"server_key": SANDBOX_SERVER_KEY, "client_key": "SB-Mid-client-LOCALSIMULATOR01", "environment": "sandbox"}


@pytest.fixture(scope="module")
def receiver() -> Iterator[PlatformEventReceiver]:
    with PlatformEventReceiver() as running:
        yield running


@pytest.fixture(scope="module")
def notify_stack(receiver: PlatformEventReceiver) -> Iterator[RunningStack]:
    running = start_stack({"PLATFORM_EVENTS_URL": receiver.url})
    yield running
    stop_stack(running)


# ---- helpers ---------------------------------------------------------------------------------------------------


def about(order_id: str) -> Callable[[Event], bool]:
    """Events about this order: the purchase's own order_id or the link it was paid through."""
    return lambda event: order_id in (event["detail"].get("order_id"), event["detail"].get("link_order_id"))


def deliveries(stack: RunningStack, order_id: str) -> list[dict[str, Any]]:
    """The simulator's delivery attempts for `order_id`, once nothing is queued or on the wire any more."""
    drained = stack.simulator("POST", "/notifications/drain", {"timeout": 30})["notifications"]
    return [record for record in drained if record["order_id"] == order_id]


def answers(records: list[dict[str, Any]]) -> list[tuple[str, int | None]]:
    return [(record["transaction_status"], record["answer_status"]) for record in records]


def outcome(record: dict[str, Any]) -> Any:
    return json.loads(record["answer_body"]).get("outcome")


def notification_url(stack: RunningStack, cid: str = "tenant-demo") -> str:
    view = stack.call("GET", "/v1/connection", role="admin", cid=cid)
    assert view.status_code == 200, view.text
    url = view.json()["notification_url"]
    assert isinstance(url, str) and url.startswith(stack.api + NOTIFICATION_PATH), url
    return url


def signed(order_id: str, status_code: str, gross_amount: str, transaction_status: str, key: str) -> dict[str, Any]:
    """A Midtrans HTTP notification body signed with `key` (SHA-512 of order_id + status_code + gross_amount + key)."""
    signature = hashlib.sha512(f"{order_id}{status_code}{gross_amount}{key}".encode()).hexdigest()
    return {
        "order_id": order_id,
        "status_code": status_code,
        "gross_amount": gross_amount,
        "transaction_status": transaction_status,
        "status_message": "midtrans payment notification",
        "signature_key": signature,
    }


def link_body(order_id: str) -> dict[str, Any]:
    """The WhatsApp link fixture's body with its own order_id and no context fields: the platform's headers say."""
    event = json.loads((EVENTS / "create_payment_link.whatsapp.json").read_text())
    context = ("conversation_id", "channel_type", "locale")
    body = {k: v for k, v in json.loads(event["body"]).items() if k not in context}
    body["transaction_details"] = {**body["transaction_details"], "order_id": order_id}
    return body


def pay_a_new_link(stack: RunningStack, receiver: PlatformEventReceiver) -> tuple[str, str, Event]:
    """The agent sends a link in CONVERSATION (WhatsApp, Indonesian), the customer pays it with GoPay. Returns the
    link's order_id, the purchase's and the one event the platform received, after checking the delivery."""
    link_order = f"LINK-E2E-NOTIFY-{uuid.uuid4().hex[:10].upper()}"
    created = stack.call("POST", "/v1/payment-links", body=link_body(link_order), headers=PLATFORM_HEADERS)
    assert created.status_code == 200, created.text
    assert created.json()["order_id"] == link_order

    paid = stack.simulator("POST", f"/payment-links/{link_order}/pay", {"payment_type": "gopay"})
    purchase = paid["order_id"]
    assert purchase.startswith(f"{link_order}-") and paid["transaction_status"] == "settlement"

    delivered = deliveries(stack, purchase)
    assert answers(delivered) == [("settlement", 200)], delivered
    assert delivered[0]["url"] == notification_url(stack)  # the seed registered the demo tenant's URL
    assert outcome(delivered[0]) == "accepted"
    events = receiver.wait_for(about(link_order))
    assert len(events) == 1, events
    return link_order, purchase, events[0]


# ---- tests -----------------------------------------------------------------------------------------------------


def test_a_paid_link_reaches_its_conversation_exactly_once(notify_stack, receiver) -> None:
    from midtrans_native.messages import Msg, format_rupiah, render

    link_order, purchase, event = pay_a_new_link(notify_stack, receiver)

    # The envelope an EventBridge API destination POSTs
    assert (event["version"], event["source"], event["detail-type"]) == ("0", "midtrans-native", "payment_received")
    assert event["id"] and event["time"].endswith("Z") and event["_content_type"].startswith("application/json")
    detail = event["detail"]
    assert detail["event_type"] == "payment_received" and detail["cid"] == "tenant-demo"
    assert (detail["conversation_id"], detail["channel_type"], detail["locale"]) == (CONVERSATION, "whatsapp", "id")
    assert (detail["order_id"], detail["link_order_id"]) == (purchase, link_order)
    assert (detail["transaction_status"], detail["payment_type"], detail["gross_amount"]) == (
        "settlement",
        "gopay",
        150000,
    )
    expected = render(Msg.EVENT_PAYMENT_RECEIVED, "id", order_id=link_order, amount=format_rupiah(150000, "id"))
    assert detail["message"] == detail["messages"]["id"] == expected and link_order in expected
    assert link_order in detail["messages"]["en"] and detail["messages"]["en"] != expected
    assert detail["transaction_id"] == notify_stack.simulator("GET", f"/transactions/{purchase}")["transaction_id"]
    # The stack's log shows the delivery (one line per POST, from the worker)
    assert f"PLATFORM_EVENT detail-type=payment_received id={event['id']} -> {receiver.url}: 200" in "".join(
        notify_stack.output
    )


def test_a_resent_and_a_stale_notification_publish_nothing(notify_stack, receiver) -> None:
    link_order, purchase, first = pay_a_new_link(notify_stack, receiver)

    notify_stack.simulator("POST", f"/orders/{purchase}/notify", {})  # the same notification again
    notify_stack.simulator("POST", f"/orders/{purchase}/notify", {"transaction_status": "pending"})  # out of order

    delivered = deliveries(notify_stack, purchase)
    assert answers(delivered) == [("settlement", 200), ("settlement", 200), ("pending", 200)], delivered
    assert [outcome(record) for record in delivered[1:]] == ["duplicate", "duplicate"]  # the re-read said settlement
    # Delivery is synchronous (midtrans_local/platform_events.py): an event would be here by the time the function
    # answered, so "none" needs no waiting.
    assert receiver.events(lambda event: about(link_order)(event) and event["id"] != first["id"]) == []
    assert len(receiver.events(about(link_order))) == 1


def test_a_forged_notification_is_refused_and_an_unknown_url_is_not_found(notify_stack, receiver) -> None:
    order = "ORDER-SETTLEMENT-GOPAY-001"
    path = urlsplit(notification_url(notify_stack)).path
    transaction = notify_stack.simulator("GET", f"/transactions/{order}")
    amount = str(transaction["gross_amount"])
    forged = signed(order, "200", amount, "settlement", "SB-Mid-server-NOT-THE-TENANTS-KEY")

    refused = requests.post(notify_stack.api + path, json=forged, timeout=30)
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"] == "bad_signature"

    unknown_token = "x" * 43  # well formed, nobody's
    for token in (unknown_token, "not-a-token"):
        genuine = signed(order, "200", amount, "settlement", SANDBOX_SERVER_KEY)
        missing = requests.post(f"{notify_stack.api}{NOTIFICATION_PATH}{token}", json=genuine, timeout=30)
        assert missing.status_code == 404, missing.text

    assert receiver.events(about(order)) == []


def test_an_order_no_conversation_knows_is_published_without_one(notify_stack, receiver) -> None:
    order = "ORDER-PENDING-001"  # seeded, pending; no link, cancel or refund prompt of any conversation names it
    notify_stack.simulator("POST", f"/orders/{order}/settle")

    assert answers(deliveries(notify_stack, order)) == [("settlement", 200)]
    (event,) = receiver.wait_for(about(order))
    detail = event["detail"]
    assert (detail["event_type"], detail["order_id"], detail["cid"]) == ("payment_received", order, "tenant-demo")
    assert (detail["conversation_id"], detail["channel_type"], detail["link_order_id"]) == (None, None, None)
    assert detail["locale"] == "en" and order in detail["message"]
    assert receiver.events(lambda e: about(order)(e) and e["id"] != event["id"]) == []


def test_disconnecting_revokes_the_notification_url_and_reconnecting_makes_a_new_one(notify_stack, receiver) -> None:
    tenant, order = "tenant-e2e-notify-lifecycle", "ORDER-SETTLEMENT-GOPAY-001"
    assert notify_stack.call("PUT", "/v1/connection", role="admin", cid=tenant, body=CONNECT).status_code == 200
    first_url = notification_url(notify_stack, tenant)
    demo_url = notification_url(notify_stack)
    assert first_url != demo_url  # a secret per tenant
    of_tenant = lambda event: event["detail"].get("cid") == tenant and event["detail"].get("order_id") == order  # noqa: E731
    try:
        # The merchant's dashboard now points at this tenant: Midtrans' own notification is taken
        notify_stack.simulator("PUT", "/notification-url", {"url": first_url, "server_key": SANDBOX_SERVER_KEY})
        notify_stack.simulator("POST", f"/orders/{order}/notify", {})
        delivered = deliveries(notify_stack, order)
        assert answers(delivered)[-1:] == [("settlement", 200)] and delivered[-1]["url"] == first_url
        (event,) = receiver.wait_for(of_tenant)
        assert event["detail"]["conversation_id"] is None
        genuine = delivered[-1]["body"]  # signed by the simulator with the tenant's key

        gone = notify_stack.call("DELETE", "/v1/connection", role="admin", cid=tenant)
        assert gone.status_code == 200 and gone.json()["status"] == "not_connected"
        assert gone.json().get("notification_url") is None
        assert requests.post(first_url, json=genuine, timeout=30).status_code == 404  # revoked at once

        assert notify_stack.call("PUT", "/v1/connection", role="admin", cid=tenant, body=CONNECT).status_code == 200
        second_url = notification_url(notify_stack, tenant)
        assert second_url != first_url
        assert requests.post(first_url, json=genuine, timeout=30).status_code == 404  # the old one stays dead
        again = requests.post(second_url, json=genuine, timeout=30)
        assert again.status_code == 200, again.text
        assert again.json()["outcome"] == "duplicate"  # that state of the order was processed before
        assert receiver.events(lambda e: of_tenant(e) and e["id"] != event["id"]) == []
    finally:
        notify_stack.simulator("PUT", "/notification-url", {"url": demo_url, "server_key": SANDBOX_SERVER_KEY})


def test_the_banner_shows_the_notification_url_the_simulator_routes_and_the_delivery(notify_stack, receiver) -> None:
    printed = "".join(notify_stack.output)
    assert f"tenant-demo's notification URL {notification_url(notify_stack)}" in printed
    assert f"PLATFORM_EVENTS_URL on: every event on PlatformEventsBus is also POSTed to {receiver.url}" in printed
    assert f"{notify_stack.midtrans}/__simulator/payment-links/ORDER/pay" in printed
    assert f"{notify_stack.midtrans}/__simulator/orders/ORDER/settle" in printed
