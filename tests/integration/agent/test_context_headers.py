"""Conversation context comes from the platform's headers; a body that disagrees is refused before anything
reaches Midtrans."""

from __future__ import annotations

import json

from midtrans_local.simulator import MidtransSimulator
from tests.conftest import load_event
from tests.integration.conftest import invoke

ORDER = "ORDER-SETTLEMENT-GOPAY-001"


def status_reads(sim: MidtransSimulator) -> int:
    return sum(1 for call in sim.calls() if call["path"].endswith("/status") and call["order_id"] == ORDER)


def test_headers_alone_carry_the_conversation_and_the_language(sim: MidtransSimulator) -> None:
    status, body = invoke("check_payment_status", load_event("check_payment_status.context_headers"))
    assert status == 200, body
    assert body["outcome"] == "ok"
    assert body["locale"] == "id"  # Accept-Language: id-ID,id;q=0.9,en;q=0.8
    assert "Pembayaran" in body["message"]


def test_q_values_decide_the_language(sim: MidtransSimulator) -> None:
    event = load_event("check_payment_status.context_headers")
    event["headers"]["accept-language"] = "fr;q=1, id;q=0.4, en;q=0.8"
    status, body = invoke("check_payment_status", event)
    assert status == 200, body
    assert body["locale"] == "en"


def test_a_body_that_disagrees_with_a_header_is_422_and_reaches_nobody(sim: MidtransSimulator) -> None:
    before = status_reads(sim)
    status, body = invoke("check_payment_status", load_event("check_payment_status.context_mismatch"))
    assert status == 422, body
    assert body["error"] == "invalid_request"
    assert "conversation_id" in body["message"] and "X-Conversation-Id" in body["message"]
    assert "conv-other" not in str(body) and "conv-1001" not in str(body)  # the rule, never the values
    assert status_reads(sim) == before


def test_a_locale_that_disagrees_with_accept_language_is_422(sim: MidtransSimulator) -> None:
    event = load_event("check_payment_status.context_headers", body={"order_id": ORDER, "locale": "en"})
    status, body = invoke("check_payment_status", event)
    assert status == 422, body
    assert "locale" in body["message"] and "Accept-Language" in body["message"]


def test_agreeing_header_and_body_are_fine(sim: MidtransSimulator) -> None:
    event = load_event("check_payment_status.context_headers", body={"order_id": ORDER, "conversation_id": "conv-1001"})
    status, body = invoke("check_payment_status", event)
    assert status == 200, body


def test_no_conversation_anywhere_is_422_naming_the_header(sim: MidtransSimulator) -> None:
    before = status_reads(sim)
    status, body = invoke("check_payment_status", load_event("check_payment_status.missing_conversation"))
    assert status == 422, body
    assert "X-Conversation-Id" in body["message"]
    assert status_reads(sim) == before


def test_a_malformed_header_is_named_never_echoed(sim: MidtransSimulator) -> None:
    event = load_event("check_payment_status.context_headers")
    event["headers"]["x-conversation-id"] = "conv with spaces SECRET-CANARY"
    status, body = invoke("check_payment_status", event)
    assert status == 422, body
    assert "X-Conversation-Id" in body["message"]
    assert "SECRET-CANARY" not in str(body)


def test_authorization_comes_before_the_context_check(sim: MidtransSimulator) -> None:
    event = load_event("check_payment_status.context_mismatch", claims={"role": "agent"})
    status, body = invoke("check_payment_status", event)
    assert status == 403, body
    assert body["error"] == "forbidden"


def test_payment_links_take_the_channel_from_x_channel_type(sim: MidtransSimulator) -> None:
    event = load_event("create_payment_link.whatsapp")
    payload = {
        k: v for k, v in json.loads(event["body"]).items() if k not in ("conversation_id", "channel_type", "locale")
    }
    event["body"] = json.dumps(payload)
    event["headers"].update({"x-conversation-id": "conv-link-1", "x-channel-type": "web_chat"})
    status, body = invoke("create_payment_link", event)
    assert status == 200, body
    assert body["channel_type"] == "web_chat"
    assert body["delivery"]["type"] == "text"

    event["headers"].pop("x-channel-type")
    status, body = invoke("create_payment_link", event)
    assert status == 422, body
    assert "X-Channel-Type" in body["message"]
