"""Check Payment Status over HTTP through the local stack, against the simulator: every seeded order in
both locales, every failure path, and bad input or bad tokens that never reach Midtrans."""

from __future__ import annotations

import time

import jwt
import pytest

from midtrans_local.simulator import SEEDED_ORDERS, transaction_id_for
from midtrans_local.tokens import issue_dev_token
from midtrans_native.messages import status_text

from .conftest import RunningStack

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("locale", ["en", "id"])
@pytest.mark.parametrize("order_id", sorted(SEEDED_ORDERS))
def test_every_seeded_order_in_both_locales(stack: RunningStack, order_id: str, locale: str) -> None:
    truth = stack.simulator("GET", f"/transactions/{order_id}")
    response = stack.status(order_id, locale=locale)
    assert response.status_code == 200
    body = response.json()
    expected_status = truth["transaction_status"].lower()
    assert (body["outcome"], body["locale"], body["order_id"]) == ("ok", locale, order_id)
    assert body["payment"]["transaction_status"] == expected_status
    assert body["payment"]["gross_amount"] == int(float(truth["gross_amount"]))
    assert status_text(expected_status, locale) in body["message"]


def test_lookup_by_transaction_id(stack: RunningStack) -> None:
    transaction_id = transaction_id_for("ORDER-SETTLEMENT-CARD-001")
    body = stack.status(transaction_id).json()
    assert body["outcome"] == "ok" and body["payment"]["order_id"] == "ORDER-SETTLEMENT-CARD-001"


def test_unknown_order_is_not_found_with_the_prd_copy(stack: RunningStack) -> None:
    body = stack.status("ORDER-NOBODY-KNOWS").json()
    assert body["outcome"] == "not_found"
    assert body["message"] == "I couldn't find a payment with that order ID. Please verify and try again."
    assert stack.status("ORDER-NOBODY-KNOWS", locale="id").json()["message"].startswith("Saya tidak dapat menemukan")


def test_no_order_id_asks_for_it_without_calling_midtrans(stack: RunningStack) -> None:
    before = len(stack.midtrans_calls())
    body = stack.status(None).json()
    assert body["outcome"] == "needs_order_id"
    assert len(stack.midtrans_calls()) == before


@pytest.mark.parametrize(
    ("fault", "reason", "attempts"),
    [
        ({"kind": "drop"}, "timeout", 3),
        ({"kind": "latency", "delay_seconds": 2.5}, "timeout", 3),
        ({"kind": "status", "status": 401}, "auth_error", 1),
        ({"kind": "status", "status": 429, "retry_after": 0}, "rate_limited", 3),
        ({"kind": "status", "status": 503}, "api_error", 3),
        ({"kind": "malformed"}, "api_error", 1),
        ({"kind": "html"}, "api_error", 3),
    ],
)
def test_failure_paths(stack: RunningStack, fault: dict, reason: str, attempts: int) -> None:
    order_id = "ORDER-SETTLEMENT-GOPAY-001"
    stack.simulator("POST", "/faults", {**fault, "order_id": order_id})
    before = len([c for c in stack.midtrans_calls() if c["order_id"] == order_id])
    body = stack.status(order_id).json()
    assert (body["outcome"], body["failure_reason"]) == ("failed", reason)
    assert body["message"]
    # The simulator logs a delayed call when its sleep ends, after our client gave up: let the log catch up.
    give_up = time.monotonic() + 8
    while (sent := len([c for c in stack.midtrans_calls() if c["order_id"] == order_id]) - before) < attempts:
        if time.monotonic() > give_up:
            break
        time.sleep(0.1)
    assert sent == attempts  # safe reads retry 429/5xx/connection errors; 401 and bad bodies do not


def test_a_transient_429_is_retried_into_success(stack: RunningStack) -> None:
    stack.simulator(
        "POST",
        "/faults",
        {"kind": "status", "status": 429, "retry_after": 0, "times": 1, "order_id": "ORDER-PENDING-001"},
    )
    body = stack.status("ORDER-PENDING-001").json()
    assert body["outcome"] == "ok"


def _token_variants() -> dict[str, str]:
    good = issue_dev_token("tenant-demo", "ai_agent")
    header, payload, signature = good.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    expired = issue_dev_token("tenant-demo", "ai_agent", ttl_seconds=-60)
    foreign = jwt.encode(
        {"cid": "tenant-demo", "role": "ai_agent", "plan": "ultimate", "exp": time.time() + 600},
        "not-the-development-secret-but-long-enough",
        algorithm="HS256",
    )
    wrong_audience = issue_dev_token("tenant-demo", "ai_agent", audience="someone-else")
    unsigned = jwt.encode({"cid": "tenant-demo", "role": "ai_agent", "exp": time.time() + 600}, None, algorithm="none")
    return {
        "tampered": f"{header}.{payload}.{flipped}",
        "expired": expired,
        "foreign": foreign,
        "wrong_audience": wrong_audience,
        "alg_none": unsigned,
        "garbage": "not-a-jwt",
    }


@pytest.mark.parametrize("variant", sorted(_token_variants()))
def test_bad_tokens_are_401_and_reach_nothing(stack: RunningStack, variant: str) -> None:
    before = len(stack.midtrans_calls())
    response = stack.status("ORDER-PENDING-001", token=_token_variants()[variant])
    assert response.status_code == 401
    assert len(stack.midtrans_calls()) == before


def test_missing_token_is_401(stack: RunningStack) -> None:
    import requests

    response = requests.post(f"{stack.api}/v1/payments/status", json={"conversation_id": "c"}, timeout=10)
    assert response.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"conversation_id": "c", "order_id": "a/b"},
        {"conversation_id": "c", "order_id": ".."},
        {"conversation_id": "c", "order_id": "ORD#1"},
        {"conversation_id": "c", "order_id": "ORD 1"},
        {"conversation_id": "c", "order_id": "x" * 300},
        {"conversation_id": "c", "order_id": ["ORDER-PENDING-001"]},
        {"order_id": "ORDER-PENDING-001"},
        {"conversation_id": "c", "order_id": "ORDER-PENDING-001", "cid": "tenant-other"},
    ],
)
def test_bad_input_is_a_clear_422_and_never_reaches_midtrans(stack: RunningStack, body: dict) -> None:
    before = len(stack.midtrans_calls())
    response = stack.call("POST", "/v1/payments/status", body=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request" and response.json()["message"]
    assert len(stack.midtrans_calls()) == before


def test_non_json_body_is_422(stack: RunningStack) -> None:
    import requests

    token = issue_dev_token("tenant-demo", "ai_agent")
    response = requests.post(
        f"{stack.api}/v1/payments/status",
        data="{not json",
        timeout=10,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 422 and "JSON" in response.json()["message"]


def test_a_human_agent_cannot_check_payments(stack: RunningStack) -> None:
    response = stack.status("ORDER-PENDING-001", role="agent")
    assert (response.status_code, response.json()["error"]) == (403, "forbidden")
