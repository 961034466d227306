"""midtrans_local.platform_events: PLATFORM_EVENTS_URL, the local stand-in for an EventBridge API destination.

The hooks sit on a boto3 session; PutEvents goes to moto in-process; the POSTs go to a recording callable (one test
uses a real HTTP receiver on loopback)."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from moto import mock_aws

from midtrans_local.platform_events import (
    SEND_TIMEOUT_SECONDS,
    PlatformEventsForwarder,
    accepted_envelopes,
    event_envelope,
    install_on_default_session,
)

URL = "http://127.0.0.1:9/events"
BUS = "PlatformEventsBus"
REGION = "ap-southeast-1"


class Recorder:
    """Stands in for the HTTP POST: records (url, envelope, headers, timeout), answers `status` or raises."""

    def __init__(self, status: int = 200, error: Exception | None = None) -> None:
        self.status = status
        self.error = error
        self.posts: list[tuple[str, dict[str, Any], dict[str, str], float]] = []

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
        self.posts.append((url, json.loads(body), dict(headers), timeout))
        if self.error is not None:
            raise self.error
        return self.status

    @property
    def envelopes(self) -> list[dict[str, Any]]:
        return [envelope for _, envelope, _, _ in self.posts]


def entry(detail_type: str = "payment_received", **detail: Any) -> dict[str, Any]:
    return {
        "EventBusName": BUS,
        "Source": "midtrans-native",
        "DetailType": detail_type,
        "Detail": json.dumps({"event_type": detail_type, **detail}),
    }


@pytest.fixture
def session() -> Iterator[boto3.session.Session]:
    with mock_aws():
        session = boto3.session.Session(region_name=REGION)
        session.client("events").create_event_bus(Name=BUS)
        yield session


def forwarder(recorder: Recorder, stderr: io.StringIO | None = None) -> PlatformEventsForwarder:
    return PlatformEventsForwarder(URL, post=recorder, stderr=stderr or io.StringIO())


def test_each_accepted_entry_is_posted_once_as_the_event_an_api_destination_sends(session) -> None:
    recorder = Recorder()
    forwarder(recorder).install(session)
    events = session.client("events")  # created after install: it carries the hooks

    answer = events.put_events(Entries=[entry(order_id="ORDER-1"), entry("payment_expired", order_id="ORDER-2")])

    ids = [result["EventId"] for result in answer["Entries"]]
    assert answer["FailedEntryCount"] == 0 and len(recorder.posts) == 2
    first, second = recorder.envelopes
    assert set(first) == {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
    assert (first["version"], first["id"], first["detail-type"], first["source"]) == (
        "0",
        ids[0],
        "payment_received",
        "midtrans-native",
    )
    assert first["detail"] == {"event_type": "payment_received", "order_id": "ORDER-1"}  # an object, not a string
    assert (first["region"], first["account"], first["resources"]) == (REGION, "123456789012", [])
    assert datetime.strptime(first["time"], "%Y-%m-%dT%H:%M:%SZ")  # EventBridge's time format
    assert (second["id"], second["detail-type"], second["detail"]["order_id"]) == (ids[1], "payment_expired", "ORDER-2")
    url, _, headers, timeout = recorder.posts[0]
    assert url == URL and headers["Content-Type"].startswith("application/json") and timeout == SEND_TIMEOUT_SECONDS


def test_the_events_alias_of_the_service_name_reaches_the_same_hooks(session) -> None:
    # "events" is how the brief and boto3 name the service; botocore's events are named "eventbridge".
    recorder = Recorder()
    forwarder(recorder).install(session)
    session.client("events", region_name=REGION).put_events(Entries=[entry()])
    assert len(recorder.posts) == 1


def test_an_entry_eventbridge_refused_is_not_posted(session) -> None:
    recorder = Recorder()
    forwarder(recorder).install(session)
    refused = {**entry(), "Detail": "not json"}

    answer = session.client("events").put_events(Entries=[refused, entry(order_id="ORDER-OK")])

    assert answer["FailedEntryCount"] == 1 and "ErrorCode" in answer["Entries"][0]
    assert [envelope["detail"]["order_id"] for envelope in recorder.envelopes] == ["ORDER-OK"]
    assert recorder.envelopes[0]["id"] == answer["Entries"][1]["EventId"]


def test_a_call_moto_refused_posts_nothing_and_its_error_stays_the_callers(session) -> None:
    recorder = Recorder()
    forwarder(recorder).install(session)
    with pytest.raises(ClientError) as refused:
        session.client("events").put_events(Entries=[{**entry(), "EventBusName": "no-such-bus"}])
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert recorder.posts == []


@pytest.mark.parametrize(
    ("recorder", "reported"),
    [
        (Recorder(error=requests.ConnectionError("connection refused")), "not delivered (ConnectionError"),
        (Recorder(error=requests.Timeout("read timed out")), "not delivered (Timeout"),
        (Recorder(status=500), "not delivered (HTTP 500)"),
    ],
)
def test_a_receiver_that_fails_costs_the_function_nothing_but_a_line_on_stderr(session, recorder, reported) -> None:
    stderr = io.StringIO()
    delivery = forwarder(recorder, stderr)
    delivery.install(session)

    answer = session.client("events").put_events(Entries=[entry()])

    assert answer["FailedEntryCount"] == 0  # the function's call succeeded as if nothing were forwarded
    assert (delivery.delivered, delivery.failed) == (0, 1)
    line = stderr.getvalue()
    assert "PLATFORM_EVENT detail-type=payment_received" in line and reported in line and URL in line


def test_a_delivery_is_reported_on_stderr(session) -> None:
    stderr = io.StringIO()
    delivery = forwarder(Recorder(status=204), stderr)
    delivery.install(session)
    event_id = session.client("events").put_events(Entries=[entry()])["Entries"][0]["EventId"]
    assert stderr.getvalue().strip() == f"PLATFORM_EVENT detail-type=payment_received id={event_id} -> {URL}: 204"
    assert (delivery.delivered, delivery.failed) == (1, 0)


def test_a_bug_in_the_hook_never_reaches_the_function(session) -> None:
    stderr = io.StringIO()
    delivery = forwarder(Recorder(), stderr)
    delivery.install(session)
    delivery.deliver = None  # type: ignore[assignment,method-assign]  # calling it raises TypeError

    answer = session.client("events").put_events(Entries=[entry()])

    assert answer["FailedEntryCount"] == 0 and "delivery skipped: TypeError" in stderr.getvalue()


def test_other_calls_and_other_services_are_not_touched(session) -> None:
    recorder = Recorder()
    forwarder(recorder).install(session)
    session.client("events").list_event_buses()
    session.client("sqs").create_queue(QueueName="q")
    assert recorder.posts == []


def test_uninstall_stops_new_clients_and_clients_made_before_install_never_deliver(session) -> None:
    recorder = Recorder()
    early = session.client("events")  # botocore copies the session's hooks into a client when it is created
    uninstall = forwarder(recorder).install(session)
    early.put_events(Entries=[entry()])
    assert recorder.posts == []  # hence: install before the handler (and its clients) exist

    uninstall()
    session.client("events").put_events(Entries=[entry()])
    assert recorder.posts == []


def test_two_forwarders_on_one_session_both_deliver(session) -> None:
    first, second = Recorder(), Recorder()
    forwarder(first).install(session)
    forwarder(second).install(session)
    session.client("events").put_events(Entries=[entry()])
    assert (len(first.posts), len(second.posts)) == (1, 1)


def test_install_on_default_session_reaches_boto3_client(monkeypatch) -> None:
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    recorder = Recorder()
    with mock_aws():
        delivery, uninstall = install_on_default_session(URL, post=recorder, stderr=io.StringIO())
        try:
            client = boto3.client("events", region_name=REGION)  # as the layer creates its clients
            client.create_event_bus(Name=BUS)
            client.put_events(Entries=[entry()])
        finally:
            uninstall()
    assert len(recorder.posts) == 1 and delivery.delivered == 1


def test_a_real_post_reaches_an_http_receiver() -> None:
    received: list[tuple[str, dict[str, Any]]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Content-Type"], json.loads(body)))
            self.send_response(202)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        delivery = PlatformEventsForwarder(url, stderr=io.StringIO())  # the real requests.post
        envelope = event_envelope(entry(order_id="ORDER-HTTP"), "evt-1")
        delivery.deliver([envelope])
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    assert delivery.delivered == 1
    content_type, body = received[0]
    assert content_type.startswith("application/json") and body == envelope


def test_envelope_keeps_an_entrys_time_and_resources() -> None:
    at = datetime(2026, 11, 21, 10, 15, tzinfo=UTC)
    envelope = event_envelope({**entry(), "Time": at, "Resources": ["arn:x"]}, "evt", region="us-east-1")
    assert envelope["time"] == "2026-11-21T10:15:00Z"
    assert (envelope["resources"], envelope["region"]) == (["arn:x"], "us-east-1")


def test_accepted_envelopes_pairs_entries_and_results_in_order() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    entries = [entry(n=1), entry(n=2), entry(n=3)]
    answer = {"Entries": [{"EventId": "a"}, {"ErrorCode": "InternalFailure"}, {"EventId": "c"}]}
    envelopes = accepted_envelopes(entries, answer, now=now)
    assert [(e["id"], e["detail"]["n"], e["time"]) for e in envelopes] == [
        ("a", 1, "2026-01-02T03:04:05Z"),
        ("c", 3, "2026-01-02T03:04:05Z"),
    ]


@pytest.mark.parametrize("url", ["", "127.0.0.1:9999", "ftp://example.invalid/"])
def test_only_http_urls(url: str) -> None:
    with pytest.raises(ValueError, match="PLATFORM_EVENTS_URL"):
        PlatformEventsForwarder(url)
