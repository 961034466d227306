"""A tenant connected over BI-SNAP, through the handlers (events/ fixtures), against the simulator, which verifies the
RSA token signature and every HMAC with its own code: status, cancel with confirmation, refund exactly once,
token reuse across invocations, rotation and the bounded 401 recovery, and connecting with wrong credentials."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from midtrans_local.simulator import SANDBOX_SERVER_KEY, MidtransSimulator
from midtrans_native import deps
from tests.conftest import events_named, load_event
from tests.integration.conftest import configure_actions, invoke

from .conftest import rsa_private_key_pem

CLIENT_ID = "SNAP-CLIENT-A"
SECRET = "snap-client-secret-A-0001"
TENANT = "tenant-snap"


def public_pem(private_pem: str) -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        .decode()
    )


def connect_body(client_id: str = CLIENT_ID, secret: str = SECRET, partner: str = "PARTNER-A") -> dict[str, Any]:
    return {
        "server_key": SANDBOX_SERVER_KEY,
        "client_key": "SB-Mid-client-LOCALSIMULATOR01",
        "environment": "sandbox",
        "partner_id": partner,
        "merchant_id": "M-A",
        "bisnap": {
            "client_id": client_id,
            "client_secret": secret,
            "private_key": rsa_private_key_pem(),
            "channel_id": "95221",
        },
    }


def connect(cid: str, body: dict[str, Any]) -> tuple[int, Any]:
    return invoke("connection", load_event("connection.put_sandbox", body=body, claims={"cid": cid}))


@pytest.fixture(scope="module")
def _simulator() -> Iterator[MidtransSimulator]:
    with MidtransSimulator() as simulator:
        simulator.register_bisnap_merchant(
            client_id=CLIENT_ID,
            partner_id="PARTNER-A",
            merchant_id="M-A",
            client_secret=SECRET,
            public_key_pem=public_pem(rsa_private_key_pem()),
        )
        yield simulator


@pytest.fixture
def sim(_simulator: MidtransSimulator, aws, monkeypatch: pytest.MonkeyPatch) -> MidtransSimulator:
    _simulator.reset()
    monkeypatch.setenv("MIDTRANS_API_BASE_URL", _simulator.base_url)
    deps.reset()
    status, body = connect(TENANT, connect_body())
    assert status == 200, body
    assert body["mode"] == "bisnap" and body["bisnap_client_id"] == "****NT-A"
    configure_actions(TENANT)
    return _simulator


def agent(function: str, fixture: str, body: dict[str, Any], path: dict[str, str] | None = None) -> tuple[int, Any]:
    return invoke(function, load_event(fixture, body=body, path=path, claims={"cid": TENANT}))


def snap_calls(sim: MidtransSimulator, operation: str) -> list[dict[str, Any]]:
    return [c for c in sim.calls() if c.get("operation") == operation]


def test_status_goes_over_bisnap_with_one_token_for_many_invocations(sim: MidtransSimulator, log_output) -> None:
    assert sim.bisnap_token_requests(CLIENT_ID) == 1  # connecting obtained (and cached) the first token
    for _ in range(3):
        status, body = agent(
            "check_payment_status",
            "check_payment_status.settlement",
            {"conversation_id": "c-1", "order_id": "ORDER-SETTLEMENT-GOPAY-001"},
        )
        assert status == 200, body
        assert (body["outcome"], body["payment"]["transaction_status"]) == ("ok", "settlement")
        assert body["payment"]["gross_amount"] == 150000
    assert sim.bisnap_token_requests(CLIENT_ID) == 1
    assert snap_calls(sim, "bisnap_status")  # over BI-SNAP ...
    assert not [c for c in sim.calls() if c["operation"] == "status" and c["order_id"] == "ORDER-SETTLEMENT-GOPAY-001"]
    events = events_named(log_output.getvalue(), "midtrans_auth_token_refreshed")
    assert [e["cache_hit"] for e in events][-3:] == [True, True, True]


def test_a_qris_order_is_found_by_its_order_id(sim: MidtransSimulator) -> None:
    status, body = agent(
        "check_payment_status",
        "check_payment_status.settlement",
        {"conversation_id": "c-1", "order_id": "ORDER-SETTLEMENT-QRIS-001"},
    )
    assert (status, body["outcome"], body["payment"]["payment_type"]) == (200, "ok", "qris")


def test_unknown_order_is_not_found(sim: MidtransSimulator) -> None:
    status, body = agent(
        "check_payment_status",
        "check_payment_status.settlement",
        {"conversation_id": "c-1", "order_id": "NO-SUCH-ORDER"},
    )
    assert (status, body["outcome"]) == (200, "not_found")


def test_cancel_asks_first_and_cancels_once_over_bisnap(sim: MidtransSimulator) -> None:
    order = "ORDER-PENDING-GOPAY-001"
    status, prompt = agent(
        "cancel_transaction", "cancel_transaction.request_pending", {"conversation_id": "c-2", "order_id": order}
    )
    assert (status, prompt["outcome"]) == (200, "confirmation_required")
    assert snap_calls(sim, "bisnap_cancel") == []  # asking never cancels
    decide = {"decision": "confirm", "conversation_id": "c-2"}
    path = {"confirmation_id": prompt["confirmation_id"]}
    first = agent("cancel_transaction", "cancel_transaction.decide_confirm", decide, path)
    again = agent("cancel_transaction", "cancel_transaction.decide_confirm", decide, path)
    assert first[1]["outcome"] == "cancelled" and again[1]["replayed"] is True
    assert len(snap_calls(sim, "bisnap_cancel")) == 1
    assert sim.transaction(order)["transaction_status"] == "cancel"  # type: ignore[index]


def test_refund_is_exactly_once_per_yes_and_uses_the_refund_key_as_partner_refund_no(sim: MidtransSimulator) -> None:
    order = "ORDER-SETTLEMENT-GOPAY-001"
    status, prompt = agent(
        "request_refund", "request_refund.request_full", {"conversation_id": "c-3", "order_id": order, "amount": 50000}
    )
    assert (status, prompt["outcome"], prompt["amount"]) == (200, "confirmation_required", 50000)
    decide = {"decision": "confirm", "conversation_id": "c-3"}
    path = {"confirmation_id": prompt["confirmation_id"]}
    # Repeated "yes" (the agent retrying, the customer tapping twice): one refund, the rest replay its answer.
    answers = [agent("request_refund", "request_refund.decide_confirm", decide, path) for _ in range(3)]
    assert [a[1]["outcome"] for a in answers] == ["refunded"] * 3
    assert [a[1]["replayed"] for a in answers] == [False, True, True]
    refunds = snap_calls(sim, "bisnap_refund")
    assert len(refunds) == 1
    refund_key = answers[0][1]["refund_key"]
    assert refunds[0]["request_body"]["partnerRefundNo"] == refund_key
    assert refunds[0]["external_id"] == refund_key
    transaction = sim.transaction(order)
    assert transaction is not None and transaction["transaction_status"] == "partial_refund"
    assert [r["refund_key"] for r in transaction["refunds"]] == [refund_key]


def test_a_revoked_token_is_recovered_once_without_the_customer_noticing(sim: MidtransSimulator) -> None:
    sim.revoke_bisnap_tokens(CLIENT_ID)  # Midtrans rotated it; our table and memory still hold it
    before = len(snap_calls(sim, "bisnap_status"))
    status, body = agent(
        "check_payment_status",
        "check_payment_status.settlement",
        {"conversation_id": "c-4", "order_id": "ORDER-SETTLEMENT-GOPAY-001"},
    )
    assert (status, body["outcome"]) == (200, "ok")
    assert sim.bisnap_token_requests(CLIENT_ID) == 2  # one fresh token, no loop
    statuses = [c["status"] for c in snap_calls(sim, "bisnap_status")[before:]]
    assert statuses == [401, 200]  # the rejected call, then the same call with the fresh token


def test_an_expired_token_is_refreshed_before_use_not_after_a_401(sim: MidtransSimulator, monkeypatch) -> None:
    import time

    from midtrans_native.midtrans.bisnap import BiSnapTokenEndpoint
    from midtrans_native.midtrans.bisnap_tokens import TokenManager

    before = len(snap_calls(sim, "bisnap_status"))

    def fifteen_minutes_later() -> TokenManager:
        # The same memory and table the connect filled; only the manager's clock moved on.
        endpoint = BiSnapTokenEndpoint(deps.bisnap_transport)
        later = lambda: time.time() + 900  # noqa: E731
        return TokenManager(deps.token_cache_store(), endpoint, deps.token_memory(), clock=later)

    monkeypatch.setattr(deps, "token_manager", fifteen_minutes_later)
    status, body = agent(
        "check_payment_status",
        "check_payment_status.settlement",
        {"conversation_id": "c-5", "order_id": "ORDER-SETTLEMENT-GOPAY-001"},
    )
    assert (status, body["outcome"]) == (200, "ok")
    assert sim.bisnap_token_requests(CLIENT_ID) == 2
    assert [c["status"] for c in snap_calls(sim, "bisnap_status")[before:]] == [200]  # no 401: never sent stale


def test_a_token_endpoint_outage_is_a_failed_answer_and_never_cached(sim: MidtransSimulator) -> None:
    sim.revoke_bisnap_tokens(CLIENT_ID)
    sim.add_fault(kind="status", status=503, operation="bisnap_token", times=10)
    status, body = agent(
        "check_payment_status",
        "check_payment_status.settlement",
        {"conversation_id": "c-6", "order_id": "ORDER-SETTLEMENT-GOPAY-001"},
    )
    assert (status, body["outcome"], body["failure_reason"]) == (200, "failed", "api_error")
    item = deps.token_cache_store().read("sandbox", TENANT)
    assert item is not None and item.token is None  # the rejected token is gone, nothing replaced it


def test_connecting_with_a_wrong_client_secret_is_refused_and_stores_nothing(sim: MidtransSimulator) -> None:
    status, body = connect("tenant-wrong", connect_body(secret="not-the-registered-secret"))
    assert (status, body["error"], body["failure_reason"]) == (400, "connection_failed", "auth_error")
    assert (
        invoke("connection", load_event("connection.get", claims={"cid": "tenant-wrong"}))[1]["status"]
        == "not_connected"
    )


def test_connecting_with_an_unregistered_client_is_refused(sim: MidtransSimulator) -> None:
    status, body = connect("tenant-wrong", connect_body(client_id="UNKNOWN-CLIENT"))
    assert (status, body["failure_reason"]) == (400, "auth_error")


def test_a_private_key_that_is_not_rsa_pem_is_a_422_naming_the_field_and_reaches_nobody(sim: MidtransSimulator) -> None:
    body = connect_body()
    body["bisnap"]["private_key"] = "-----BEGIN PRIVATE KEY-----\n" + "A" * 200 + "\n-----END PRIVATE KEY-----\n"
    calls_before = len(sim.calls())
    status, answer = connect("tenant-wrong", body)
    assert status == 422 and "private_key" in answer["message"]
    assert "AAAA" not in str(answer)  # the input is never echoed
    assert len(sim.calls()) == calls_before


def test_bisnap_without_partner_and_merchant_ids_is_refused(sim: MidtransSimulator) -> None:
    body = connect_body()
    del body["partner_id"]
    status, answer = connect("tenant-wrong", body)
    assert status == 422 and "partner_id" in answer["message"]


def test_disconnecting_removes_the_tenants_tokens(sim: MidtransSimulator) -> None:
    assert deps.token_cache_store().read("sandbox", TENANT) is not None
    status, _ = invoke("connection", load_event("connection.delete", claims={"cid": TENANT}))
    assert status == 200
    assert deps.token_cache_store().read("sandbox", TENANT) is None


def test_bisnap_secrets_never_appear_in_logs_metrics_answers_or_the_connection(
    sim: MidtransSimulator, aws, log_output, capsys: pytest.CaptureFixture[str], caplog
) -> None:
    import logging

    import boto3

    # Everything at INFO, the service at DEBUG. Not botocore at DEBUG: it logs every request body, and the
    # token table is where the token is meant to go (nothing here turns botocore's debug logging on).
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="midtrans-native-actions")
    answers = [
        agent("check_payment_status", "check_payment_status.settlement", {"conversation_id": "c-9", "order_id": o})
        for o in ("ORDER-SETTLEMENT-GOPAY-001", "NO-SUCH-ORDER")
    ]
    sim.revoke_bisnap_tokens(CLIENT_ID)  # a 401 path too
    answers.append(
        agent("check_payment_status", "check_payment_status.settlement", {"conversation_id": "c-9", "order_id": "X-1"})
    )
    answers.append(connect("tenant-wrong", connect_body(secret="wrong-secret-value-123")))
    answers.append(invoke("connection", load_event("connection.get", claims={"cid": TENANT})))
    token = deps.token_cache_store().read("sandbox", TENANT).token.access_token  # type: ignore[union-attr]
    everything = "\n".join([log_output.getvalue(), capsys.readouterr().out, caplog.text, *map(str, answers)])
    key_body = "".join(rsa_private_key_pem().splitlines()[1:-1])
    for secret in (SECRET, "wrong-secret-value-123", token, key_body[:40], key_body[-40:]):
        assert secret not in everything
    stored = boto3.client("dynamodb").scan(TableName=aws["ConnectionsTable"])["Items"]
    raw = repr(stored).encode() + b"".join(v["B"] for item in stored for v in item.values() if "B" in v)
    assert SECRET.encode() not in raw and key_body[:40].encode() not in raw
