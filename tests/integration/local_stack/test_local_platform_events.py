"""PLATFORM_EVENTS_URL through LocalStack, with workers (what `make run` runs) and in-process: a fixture function
publishes with boto3's default session, as the layer does, and the receiver gets what an API destination would
send. Also: the template's event bus exists on moto, PUBLIC_API_URL is the stack's URL, and domainName is the
request's Host."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from midtrans_local.server import LocalStack
from tests.e2e.platform_receiver import PlatformEventReceiver
from tests.integration.local_stack.conftest import FIXTURES, SECRET

EVENTS_TEMPLATE = FIXTURES / "events_template.yaml"
TIMEOUT = 20


def make_stack(template: Path, concurrency: int | None, **options: Any) -> LocalStack:
    return LocalStack(
        template,
        port=0,
        midtrans_base_url="http://127.0.0.1:9",  # never called: no simulator to start
        seed_tenant=None,
        jwt_secret=SECRET,
        concurrency=concurrency,
        **options,
    )


@pytest.fixture
def receiver() -> Iterator[PlatformEventReceiver]:
    with PlatformEventReceiver() as running:
        yield running


def publish(stack: LocalStack, *entries: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    body = {"entries": list(entries)}
    response = requests.post(f"{stack.api_url}/v1/publish", json=body, headers=headers or {}, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def entry(detail_type: str, **detail: Any) -> dict[str, Any]:
    return {"DetailType": detail_type, "Detail": json.dumps(detail)}


@pytest.mark.parametrize("concurrency", [1, None], ids=["workers", "in-process"])
def test_every_accepted_event_is_posted_once_after_moto_took_it(receiver, concurrency) -> None:
    with make_stack(EVENTS_TEMPLATE, concurrency, platform_events_url=receiver.url) as stack:
        answer = publish(stack, entry("payment_received", order_id="A"), entry("payment_expired", order_id="B"))
        refused = publish(stack, {"DetailType": "payment_failed", "Detail": "not json"})

    ids = [result["EventId"] for result in answer["entries"]]
    assert answer["failed"] == 0 and len(ids) == 2
    assert refused["failed"] == 1  # refused by EventBridge (moto): nothing to deliver
    events = receiver.events()
    assert [(e["id"], e["detail-type"], e["source"], e["detail"]) for e in events] == [
        (ids[0], "payment_received", "fixture", {"order_id": "A"}),
        (ids[1], "payment_expired", "fixture", {"order_id": "B"}),
    ]
    assert events[0]["version"] == "0" and events[0]["region"] == "ap-southeast-1" and events[0]["resources"] == []
    assert events[0]["_content_type"].startswith("application/json")
    assert answer["platform_events_url_in_environment"] is False  # the stack's setting, not the function's


def test_the_stack_environment_variable_is_not_the_functions(receiver, monkeypatch) -> None:
    # PLATFORM_EVENTS_URL in the stack's own environment reaches neither the function nor (without the stack's
    # setting) the delivery: the stack object decides.
    monkeypatch.setenv("PLATFORM_EVENTS_URL", receiver.url)
    with make_stack(EVENTS_TEMPLATE, 1) as stack:
        answer = publish(stack, entry("payment_received", order_id="A"))
    assert answer["failed"] == 0 and answer["platform_events_url_in_environment"] is False
    assert receiver.events() == []


def test_from_environment_reads_platform_events_url_and_public_api_url(monkeypatch) -> None:
    monkeypatch.setenv("PLATFORM_EVENTS_URL", "http://127.0.0.1:9999/")
    monkeypatch.setenv("PUBLIC_API_URL", "https://tunnel.example.invalid/")
    stack = LocalStack.from_environment(EVENTS_TEMPLATE, 0, workers=False)
    assert (stack.platform_events_url, stack.public_api_url) == (
        "http://127.0.0.1:9999/",
        "https://tunnel.example.invalid",
    )
    with pytest.raises(ValueError, match="PLATFORM_EVENTS_URL"):
        LocalStack(EVENTS_TEMPLATE, platform_events_url="127.0.0.1:9999")


def test_a_receiver_that_is_down_costs_the_function_nothing(capfd) -> None:
    with PlatformEventReceiver() as gone:
        url = gone.url
    with make_stack(EVENTS_TEMPLATE, 1, platform_events_url=url) as stack:
        answer = publish(stack, entry("payment_received", order_id="A"))
    assert answer["failed"] == 0 and len(answer["entries"]) == 1
    reported = capfd.readouterr().err  # the worker's stderr is the stack's
    assert f"PLATFORM_EVENT detail-type=payment_received id={answer['entries'][0]['EventId']} -> {url}" in reported
    assert "not delivered (ConnectionError" in reported


def test_no_url_no_delivery_and_the_bus_exists(receiver) -> None:
    with make_stack(EVENTS_TEMPLATE, 1) as stack:
        assert stack.physical_ids["FixtureBus"] == "FixtureBus"  # created on moto, named by its logical id
        answer = publish(stack, entry("payment_received", order_id="A"))
    assert answer["failed"] == 0 and receiver.events() == []


@pytest.mark.parametrize("concurrency", [1, None], ids=["workers", "in-process"])
def test_public_api_url_is_the_stack_and_domain_name_the_requests_host(concurrency) -> None:
    with make_stack(EVENTS_TEMPLATE, concurrency) as stack:
        seen = publish(stack)
        by_name = publish(stack, headers={"Host": "localhost:4321"})
    host = stack.api_url.removeprefix("http://")
    assert seen["public_api_url"] == stack.api_url and seen["domain_name"] == host
    assert by_name["domain_name"] == "localhost:4321"


def test_public_api_url_given_wins() -> None:
    with make_stack(EVENTS_TEMPLATE, None, public_api_url="https://tunnel.example.invalid/") as stack:
        assert publish(stack)["public_api_url"] == "https://tunnel.example.invalid"


def test_in_process_real_template_a_settlement_reaches_the_receiver_and_urls_follow_public_api_url(receiver) -> None:
    # LOCAL_CONCURRENCY=0's mode on template.yaml: the seed registers the demo tenant's URL with the simulator,
    # the simulator's notification reaches MidtransNotificationsFunction in this process, its event the receiver.
    stack = LocalStack(
        "template.yaml",
        port=0,
        platform_events_url=receiver.url,
        public_api_url="https://tunnel.example.invalid/",
    )
    with stack:
        assert stack.notification_url is not None and stack.simulator_notification_url is not None
        token_path = "/v1/notifications/midtrans/"
        assert stack.notification_url.startswith(f"https://tunnel.example.invalid{token_path}")
        # the simulator runs beside the stack: it is given the stack's own address, with the same token
        assert stack.simulator_notification_url == stack.api_url + stack.notification_url.removeprefix(
            "https://tunnel.example.invalid"
        )
        simulator: Any = stack.simulator
        simulator.settle("ORDER-PENDING-001")
        (delivery,) = simulator.wait_for_notifications(1, timeout=TIMEOUT)
        assert delivery["url"] == stack.simulator_notification_url and delivery["answer_status"] == 200
        (event,) = receiver.wait_for(lambda e: e["detail"].get("order_id") == "ORDER-PENDING-001")
    assert event["detail-type"] == "payment_received" and event["detail"]["cid"] == "tenant-demo"
