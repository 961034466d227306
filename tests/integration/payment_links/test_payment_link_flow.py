"""Create Payment Link through the handler, against the simulator: deliveries, derived order ids, retries that
land on the same link, and every Midtrans failure with the PRD copy."""

from __future__ import annotations

import re

import pytest
from pydantic import SecretStr

from midtrans_native import deps
from midtrans_native.midtrans.payment_links import PaymentLinkClient
from midtrans_native.models.connection import ConnectRequest
from tests.conftest import events_named, load_event
from tests.integration.conftest import invoke

from .conftest import create, event_body, link_calls

TIMEOUT_COPY = "I was unable to generate a payment link. Please try again or contact support."
INVALID_COPY = "I was unable to create a payment link. Please contact support."
BUSY_COPY = "Our payment system is busy right now. Please try again in a minute."


def test_whatsapp_gets_a_cta_url_message_for_a_link_midtrans_holds(sim, log_output) -> None:
    status, body = create("whatsapp")

    assert (status, body["outcome"], body["replayed"]) == (200, "ok", False)
    stored = sim.payment_link("LINK-WA-001")
    assert stored is not None and body["payment_url"] == stored["payment_link_url"]
    assert re.fullmatch(r"mna-[a-z2-7]{32}", stored["payment_link_id"])
    assert (stored["gross_amount"], stored["usage_limit"], stored["enabled_payments"]) == (
        150000,
        1,
        ["gopay", "other_qris", "bca_va"],
    )
    assert (stored["expiry_duration"], stored["expiry_unit"]) == (2, "day")
    assert [item["name"] for item in stored["item_details"]] == ["Coffee beans 250 g", "Hand grinder"]
    assert body["delivery"] == {
        "type": "interactive",
        "interactive": {
            "type": "cta_url",
            "body": {
                "text": "Here is your payment link for order LINK-WA-001. Amount: IDR 150,000. "
                "The link is valid for 2 days. Tap the button below to pay."
            },
            "action": {"name": "cta_url", "parameters": {"display_text": "Pay now", "url": body["payment_url"]}},
        },
    }
    [created] = events_named(log_output.getvalue(), "midtrans_payment_link_created")
    assert (created["payment_link_url"], created["channel_type"], created["cid"], created["conversation_id"]) == (
        body["payment_url"],
        "whatsapp",
        "tenant-demo",
        "conv-4001",
    )


def test_web_chat_gets_a_text_with_the_link_and_a_generated_order_id(sim) -> None:
    status, body = create("web_chat")

    assert (status, body["outcome"], body["locale"]) == (200, "ok", "id")
    assert re.fullmatch(r"LINK-[A-Z2-7]{16}", body["order_id"])
    assert sim.payment_link(body["order_id"]) is not None
    assert body["delivery"] == {"type": "text", "text": {"body": body["message"], "preview_url": True}}
    assert body["message"] == (
        f"Berikut tautan pembayaran untuk pesanan {body['order_id']}. Jumlah: Rp75.000. "
        f"Bayar di sini: {body['payment_url']}"
    )


def test_without_items_is_a_plain_amount_link(sim) -> None:
    status, body = create("without_items")

    assert (status, body["outcome"]) == (200, "ok")
    [post] = link_calls(sim, "POST")
    assert "item_details" not in post["request_body"]
    assert post["request_body"]["transaction_details"]["gross_amount"] == 50000


@pytest.mark.parametrize("scenario", ["whatsapp", "web_chat"])
def test_asking_twice_returns_the_same_link_and_makes_one(sim, scenario: str, log_output) -> None:
    first = create(scenario)[1]
    status, again = create(scenario)

    assert (status, again["outcome"], again["replayed"]) == (200, "ok", True)
    assert (again["order_id"], again["payment_url"]) == (first["order_id"], first["payment_url"])
    assert [(c["method"], c["status"]) for c in link_calls(sim)] == [("POST", 200), ("POST", 409), ("GET", 200)]
    created = events_named(log_output.getvalue(), "midtrans_payment_link_created")
    assert [(e["payment_link_url"], e["replayed"]) for e in created] == [
        (first["payment_url"], False),
        (first["payment_url"], True),
    ]


def test_the_duplicate_order_fixture_names_an_order_id_another_link_took(sim) -> None:
    # ORDER-SCENARIO-LINK-TAKEN is seeded as a deactivated link: create 409, GET 404 — not ours to reuse.
    status, body = create("duplicate_order")
    assert (status, body["error"]) == (409, "order_id_taken")
    calls = link_calls(sim, order_id="ORDER-SCENARIO-LINK-TAKEN")
    assert [(c["method"], c["status"]) for c in calls] == [("POST", 409), ("GET", 404)]


def plain(scenario: str, order_id: str) -> dict:
    """A failure fixture's body on an ordinary order id: no built-in scenario failure, only injected faults."""
    body = event_body(scenario)
    body["transaction_details"]["order_id"] = order_id
    return body


def test_the_same_order_id_from_another_conversation_is_refused(sim) -> None:
    create("whatsapp")
    status, body = create("whatsapp", body={**event_body("whatsapp"), "conversation_id": "conv-other"})

    assert (status, body["error"]) == (409, "order_id_taken")
    assert body["message"].startswith("This order ID already has a payment link")
    assert len(link_calls(sim, "POST")) == 2 and sim.payment_link("LINK-WA-001")["payment_link_id"]


def test_the_same_order_id_with_another_amount_is_refused(sim) -> None:
    create("without_items")
    changed = event_body("without_items")
    changed["transaction_details"]["gross_amount"] = 60000

    status, body = create("without_items", body=changed)

    assert (status, body["error"]) == (409, "order_id_taken")
    assert sim.payment_link("LINK-NOITEMS-001")["gross_amount"] == 50000


def test_a_timeout_then_a_retry_lands_on_the_link_the_lost_answer_created(sim) -> None:
    # Latency: Midtrans creates the link, but every answer comes after the 0.5 s read timeout.
    sim.add_fault(kind="latency", delay_seconds=1.0, order_id="LINK-TIMEOUT-001")
    request = plain("timeout", "LINK-TIMEOUT-001")

    status, body = create("timeout", body=request)

    assert (status, body["outcome"], body["failure_reason"], body["message"]) == (
        200,
        "failed",
        "timeout",
        TIMEOUT_COPY,
    )
    assert sim.payment_link("LINK-TIMEOUT-001") is not None  # it did land
    sim.clear_faults()
    status, retry = create("timeout", body=request)
    assert (status, retry["outcome"], retry["replayed"]) == (200, "ok", True)
    assert retry["payment_url"] == sim.payment_link("LINK-TIMEOUT-001")["payment_link_url"]
    assert [c["status"] for c in link_calls(sim, "POST")][-1] == 409


def test_a_lost_answer_is_recovered_inside_one_request(sim) -> None:
    # The first POST is processed but answered 500; the transport's retry meets 409 and reads the link back.
    sim.add_fault(kind="status", status=500, order_id="LINK-APIERR-001", times=1, processed=True)

    status, body = create("api_error", body=plain("api_error", "LINK-APIERR-001"))

    assert (status, body["outcome"], body["replayed"]) == (200, "ok", True)
    calls = link_calls(sim, order_id="LINK-APIERR-001")
    assert [(c["method"], c["status"]) for c in calls] == [("POST", 500), ("POST", 409), ("GET", 200)]


@pytest.mark.parametrize(
    ("scenario", "fault_status", "reason", "copy"),
    [
        ("midtrans_invalid", 400, "invalid_request", INVALID_COPY),
        ("rate_limited", 429, "rate_limited", BUSY_COPY),
        ("api_error", 503, "api_error", TIMEOUT_COPY),
    ],
)
def test_midtrans_failures_answer_with_the_prd_copy(
    sim, scenario: str, fault_status: int, reason: str, copy: str, log_output
) -> None:
    order_id = f"LINK-{scenario.upper().replace('_', '-')}-001"
    sim.add_fault(kind="status", status=fault_status, order_id=order_id)

    status, body = create(scenario, body=plain(scenario, order_id))

    assert (status, body["outcome"], body["failure_reason"], body["message"]) == (200, "failed", reason, copy)
    assert body.get("delivery") is None and sim.payment_link(order_id) is None
    [failed] = events_named(log_output.getvalue(), "midtrans_action_failed")
    assert failed["failure_reason"] == reason


def test_a_rejected_server_key_is_an_auth_error(sim) -> None:
    # The real 401 body (error_messages as a plain string), from a key the simulator does not know.
    wrong = ConnectRequest(
        server_key=SecretStr("SB-Mid-server-REVOKEDKEY0001"),
        client_key="SB-Mid-client-LOCALSIMULATOR01",
        environment="sandbox",
    )
    deps.connection_store().save("tenant-demo", wrong)

    status, body = create("auth_error", body=plain("auth_error", "LINK-AUTH-001"))

    assert (status, body["outcome"], body["failure_reason"], body["message"]) == (
        200,
        "failed",
        "auth_error",
        INVALID_COPY,
    )
    [post] = link_calls(sim, "POST")
    assert (post["status"], post["authorized"]) == (401, False)


def test_a_caller_who_is_not_the_ai_agent_is_refused(sim) -> None:
    status, body = create("whatsapp", claims={"role": "agent"})
    assert (status, body["error"]) == (403, "forbidden")
    assert link_calls(sim) == []


def test_a_tenant_without_a_connection_is_refused(sim) -> None:
    status, body = create("whatsapp", claims={"cid": "tenant-unconnected"})
    assert (status, body["error"]) == (409, "not_connected")
    assert link_calls(sim) == []


def test_there_is_no_way_for_the_agent_to_delete_a_link(sim) -> None:
    create("whatsapp")
    event = load_event("create_payment_link.whatsapp", body="")
    event["routeKey"] = event["requestContext"]["routeKey"] = "DELETE /v1/payment-links/{order_id}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/v1/payment-links/LINK-WA-001"
    event["requestContext"]["http"]["method"] = "DELETE"

    status, body = invoke("create_payment_link", event)

    assert (status, body["error"]) == (404, "not_found")
    assert not hasattr(PaymentLinkClient, "delete")
    assert [c["method"] for c in link_calls(sim)] == ["POST"]
    assert sim.payment_link("LINK-WA-001")["deleted"] is False
