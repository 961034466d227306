"""Create Payment Link logic with a fake Payment Link client: defaults, derived ids, replays, failures, events."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from midtrans_native.actions.create_payment_link import (
    create_payment_link,
    generated_order_id,
    payment_link_id_for,
    plan_link,
)
from midtrans_native.errors import (
    MidtransApiError,
    MidtransAuthError,
    MidtransError,
    MidtransInvalidRequest,
    MidtransRateLimited,
    MidtransTimeout,
    RequestRefused,
)
from midtrans_native.midtrans.payment_links import (
    PaymentLink,
    PaymentLinkConflict,
    PaymentLinkNotFound,
    PaymentLinkPayload,
)
from midtrans_native.models.common import Caller
from midtrans_native.models.midtrans import MidtransCredentials
from midtrans_native.models.payment_links import CreatePaymentLinkRequest, PaymentLinkDefaults
from tests.conftest import events_named

from .fakes import CREDENTIALS, SERVER_KEY, FakeConnections

CALLER = Caller(cid="tenant-a", role="ai_agent", plan="ultimate")
TIMEOUT_COPY = "I was unable to generate a payment link. Please try again or contact support."
INVALID_COPY = "I was unable to create a payment link. Please contact support."
BUSY_COPY = "Our payment system is busy right now. Please try again in a minute."


class FakeLinks:
    """An in-memory Payment Link API: 409 on a taken order_id, failures on demand, every call recorded."""

    def __init__(self) -> None:
        self.links: dict[str, PaymentLink] = {}
        self.calls: list[tuple[str, Any]] = []
        self.create_error: MidtransError | None = None
        self.get_error: MidtransError | None = None

    def create(self, payload: PaymentLinkPayload) -> PaymentLink:
        self.calls.append(("create", payload))
        if self.create_error:
            raise self.create_error
        details = payload.transaction_details
        if details.order_id in self.links:
            raise PaymentLinkConflict("409", http_status=409)
        link = PaymentLink(
            order_id=details.order_id,
            url=f"https://app.sandbox.midtrans.com/payment-links/{details.payment_link_id}",
            payment_link_id=details.payment_link_id,
        )
        self.links[details.order_id] = link
        return link

    def get(self, order_id: str) -> PaymentLink:
        self.calls.append(("get", order_id))
        if self.get_error:
            raise self.get_error
        if order_id not in self.links:
            raise PaymentLinkNotFound("404", http_status=404)
        return self.links[order_id]


def request(**fields: Any) -> CreatePaymentLinkRequest:
    body: dict[str, Any] = {
        "conversation_id": "conv-1",
        "channel_type": "whatsapp",
        "transaction_details": {"order_id": "ORDER-1", "gross_amount": 150000},
        "item_details": [{"name": "Coffee", "price": 75000, "quantity": 2}],
    }
    body.update(fields)
    return CreatePaymentLinkRequest.model_validate(body)


def run(
    req: CreatePaymentLinkRequest | None = None,
    links: FakeLinks | None = None,
    defaults: PaymentLinkDefaults | None = None,
    caller: Caller = CALLER,
    connected: bool = True,
):
    links = links or FakeLinks()
    result = create_payment_link(
        req or request(),
        caller,
        connections=FakeConnections(connected),
        links=lambda credentials: links,
        defaults=defaults,
    )
    return result, links


def sent(links: FakeLinks) -> list[PaymentLinkPayload]:
    return [payload for kind, payload in links.calls if kind == "create"]


def test_ok_creates_one_link_and_answers_with_a_whatsapp_delivery() -> None:
    result, links = run()
    [payload] = sent(links)
    assert result.outcome == "ok" and result.replayed is False
    assert result.payment_url == links.links["ORDER-1"].url
    assert result.delivery is not None and result.delivery.type == "interactive"
    assert result.message.endswith(result.payment_url)
    assert (result.order_id, result.gross_amount, result.usage_limit) == ("ORDER-1", 150000, 1)
    assert payload.body()["transaction_details"]["payment_link_id"] == result.payment_link_id


def test_without_any_defaults_a_link_is_paid_once_and_midtrans_defaults_apply() -> None:
    _, links = run()
    body = sent(links)[0].body()
    assert body["usage_limit"] == 1
    assert "expiry" not in body and "enabled_payments" not in body and "customer_details" not in body


DEFAULTS = PaymentLinkDefaults.model_validate(
    {
        "usage_limit": 3,
        "expiry": {"duration": 1, "unit": "day"},
        "enabled_payments": ["gopay"],
        "order_id_prefix": "SHOP",
    }
)


def test_admin_defaults_fill_what_the_conversation_left_out() -> None:
    result, links = run(defaults=DEFAULTS)
    body = sent(links)[0].body()
    assert (body["usage_limit"], body["expiry"], body["enabled_payments"]) == (
        3,
        {"duration": 1, "unit": "day"},
        ["gopay"],
    )
    assert "The link is valid for 1 day." in result.message


def test_the_conversation_wins_where_both_give_a_value() -> None:
    req = request(usage_limit=2, expiry={"duration": 30, "unit": "minute"}, enabled_payments=["bca_va", "other_qris"])
    _, links = run(req, defaults=DEFAULTS)
    body = sent(links)[0].body()
    assert (body["usage_limit"], body["expiry"], body["enabled_payments"]) == (
        2,
        {"duration": 30, "unit": "minute"},
        ["bca_va", "other_qris"],
    )


def test_a_generated_order_id_uses_the_prefix_and_is_stable_for_a_retry() -> None:
    req = request(transaction_details={"gross_amount": 150000})
    first, links = run(req, defaults=DEFAULTS)
    again, _ = run(req, links=links, defaults=DEFAULTS)
    assert first.order_id is not None and re.fullmatch(r"SHOP-[A-Z2-7]{16}", first.order_id)
    assert (again.order_id, again.payment_url, again.replayed) == (first.order_id, first.payment_url, True)
    assert len(links.links) == 1
    assert [kind for kind, _ in links.calls] == ["create", "create", "get"]


def test_without_a_prefix_generated_ids_start_with_link() -> None:
    result, _ = run(request(transaction_details={"gross_amount": 150000}))
    assert result.order_id is not None and re.fullmatch(r"LINK-[A-Z2-7]{16}", result.order_id)


def test_locale_and_channel_do_not_change_the_link() -> None:
    req = request(transaction_details={"gross_amount": 150000})
    first, links = run(req)
    other, _ = run(
        request(transaction_details={"gross_amount": 150000}, channel_type="web_chat", locale="id"), links=links
    )
    assert (other.order_id, other.payment_url, other.replayed) == (first.order_id, first.payment_url, True)
    assert other.delivery is not None and other.delivery.type == "text"


def _plan(req: CreatePaymentLinkRequest, cid: str = "tenant-a", key: str = SERVER_KEY) -> tuple[str, str]:
    credentials = MidtransCredentials(cid="tenant-unit", environment="sandbox", server_key=SecretStr(key))
    plan = plan_link(req, Caller(cid=cid, role="ai_agent", plan="ultimate"), credentials, None)
    return plan.order_id, plan.payment_link_id


def test_generated_ids_differ_by_tenant_conversation_content_and_key() -> None:
    generated = request(transaction_details={"gross_amount": 150000})
    base = _plan(generated)
    variants = [
        _plan(generated, cid="tenant-b"),
        _plan(generated, key="SB-Mid-server-ANOTHERKEY0001"),
        _plan(request(transaction_details={"gross_amount": 150000}, conversation_id="conv-2")),
        _plan(request(transaction_details={"gross_amount": 150000}, usage_limit=2)),
        _plan(
            request(
                transaction_details={"gross_amount": 150000},
                item_details=[{"name": "Tea", "price": 75000, "quantity": 2}],
            )
        ),
    ]
    assert all(order_id != base[0] and link_id != base[1] for order_id, link_id in variants)


def test_an_explicit_order_id_still_binds_the_link_to_the_conversation_and_content() -> None:
    base = _plan(request())
    assert _plan(request())[1] == base[1]
    assert _plan(request(conversation_id="conv-2"))[1] != base[1]
    assert _plan(request(usage_limit=5))[1] != base[1]


@given(st.text(min_size=1, max_size=60), st.from_regex(r"[A-Za-z0-9_~.-]{1,20}", fullmatch=True))
def test_derived_ids_fit_midtrans_alphabets(content: str, prefix: str) -> None:
    order_id = generated_order_id(SERVER_KEY, "tenant-a", "conv-1", content, prefix)
    assert re.fullmatch(r"[A-Za-z0-9_~.-]{1,50}", order_id)
    assert re.fullmatch(r"[a-z0-9-]{1,50}", payment_link_id_for(SERVER_KEY, "tenant-a", "conv-1", order_id, content))


def test_the_same_order_id_from_another_conversation_is_refused_and_nothing_is_created() -> None:
    _, links = run()
    with pytest.raises(RequestRefused) as refused:
        run(request(conversation_id="conv-2"), links=links)
    assert (refused.value.http_status, refused.value.error) == (409, "order_id_taken")
    assert "new order ID" in refused.value.message
    assert len(links.links) == 1


def test_the_same_order_id_with_another_amount_is_refused() -> None:
    _, links = run()
    with pytest.raises(RequestRefused, match="already has a payment link"):
        run(request(transaction_details={"order_id": "ORDER-1", "gross_amount": 99000}, item_details=None), links=links)


def test_an_order_id_taken_by_a_deactivated_link_is_refused() -> None:
    links = FakeLinks()
    links.create_error = PaymentLinkConflict("409", http_status=409)
    with pytest.raises(RequestRefused) as refused:
        run(links=links)
    assert refused.value.error == "order_id_taken"


@pytest.mark.parametrize(
    ("error", "reason", "copy"),
    [
        (MidtransTimeout("no answer"), "timeout", TIMEOUT_COPY),
        (MidtransInvalidRequest("400", http_status=400), "invalid_request", INVALID_COPY),
        (MidtransAuthError("401", http_status=401), "auth_error", INVALID_COPY),
        (MidtransRateLimited("429", http_status=429), "rate_limited", BUSY_COPY),
        (MidtransApiError("503", http_status=503), "api_error", TIMEOUT_COPY),
    ],
)
def test_failures_answer_with_the_prd_copy(error: MidtransError, reason: str, copy: str) -> None:
    links = FakeLinks()
    links.create_error = error
    result, _ = run(links=links)
    assert (result.outcome, result.failure_reason, result.message) == ("failed", reason, copy)
    assert result.delivery is None and result.payment_url is None and result.order_id == "ORDER-1"


def test_failures_in_indonesian() -> None:
    links = FakeLinks()
    links.create_error = MidtransTimeout("no answer")
    result, _ = run(request(locale="id"), links=links)
    assert result.message == "Saya tidak dapat membuat tautan pembayaran. Silakan coba lagi atau hubungi dukungan."


def test_a_failed_read_after_a_conflict_is_a_failure_not_a_refusal() -> None:
    _, links = run()
    links.get_error = MidtransTimeout("no answer")
    result, _ = run(links=links)
    assert (result.outcome, result.failure_reason) == ("failed", "timeout")


def test_not_connected_is_refused_before_any_call() -> None:
    links = FakeLinks()
    with pytest.raises(RequestRefused) as refused:
        run(links=links, connected=False)
    assert (refused.value.http_status, refused.value.error) == (409, "not_connected")
    assert links.calls == []


def test_events_for_a_new_link(log_output) -> None:
    result, _ = run(request(channel_type="web_chat"))
    text = log_output.getvalue()
    [executed] = events_named(text, "midtrans_action_executed")
    [success] = events_named(text, "midtrans_action_success")
    [created] = events_named(text, "midtrans_payment_link_created")
    assert executed["action_type"] == "create_payment_link" and executed["order_id"] == "ORDER-1"
    assert (success["outcome"], success["response_status"]) == ("ok", "200")
    keys = ("payment_link_url", "channel_type", "cid", "conversation_id", "order_id", "replayed")
    assert {k: created[k] for k in keys} == {
        "payment_link_url": result.payment_url,
        "channel_type": "web_chat",
        "cid": "tenant-a",
        "conversation_id": "conv-1",
        "order_id": "ORDER-1",
        "replayed": False,
    }
    assert SERVER_KEY not in text and SERVER_KEY not in result.model_dump_json()


def test_a_replay_logs_the_same_link_flagged_as_replayed(log_output) -> None:
    first, links = run()
    run(links=links)
    text = log_output.getvalue()
    created = events_named(text, "midtrans_payment_link_created")
    assert [(e["payment_link_id"], e["replayed"]) for e in created] == [
        (first.payment_link_id, False),
        (first.payment_link_id, True),
    ]
    assert [e["response_status"] for e in events_named(text, "midtrans_action_success")] == ["200", "409"]


def test_a_failure_logs_the_failed_event(log_output) -> None:
    links = FakeLinks()
    links.create_error = MidtransRateLimited("429", http_status=429)
    run(links=links)
    [failed] = events_named(log_output.getvalue(), "midtrans_action_failed")
    assert (failed["failure_reason"], failed["action_type"]) == ("rate_limited", "create_payment_link")
    assert events_named(log_output.getvalue(), "midtrans_payment_link_created") == []


def test_credentials_are_only_the_tenants() -> None:
    seen: list[MidtransCredentials] = []
    links = FakeLinks()

    def factory(credentials: MidtransCredentials) -> FakeLinks:
        seen.append(credentials)
        return links

    create_payment_link(request(), CALLER, connections=FakeConnections(), links=factory, defaults=None)
    assert seen == [CREDENTIALS]
